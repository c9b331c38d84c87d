"""Masking personal data in readable output: id numbers and bank accounts keep their first 6 and last 4."""

from __future__ import annotations


def mask(value: str | None, keep_start: int = 6, keep_end: int = 4) -> str:
    """230523197705100113 → 230523********0113; short values keep only their first two characters."""
    if not value:
        return ""
    if len(value) <= keep_start + keep_end:
        return value[:2] + "*" * max(len(value) - 2, 0)
    return value[:keep_start] + "*" * (len(value) - keep_start - keep_end) + value[-keep_end:]
