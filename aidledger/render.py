"""Output for people and for scripts: aligned tables (CJK-aware), JSON, masking, progress."""

from __future__ import annotations

import json
import sys
import unicodedata
from collections.abc import Iterable, Sequence
from contextlib import contextmanager
from decimal import Decimal

import click

from .masking import mask  # noqa: F401  (re-exported for the commands)


def display_width(text: str) -> int:
    """Terminal columns: Chinese characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def table(headers: Sequence[str], rows: Iterable[Sequence[object]], right: Sequence[int] = ()) -> str:
    """A plain aligned table; columns listed in `right` (amounts) align right."""
    cells = [[str(h) for h in headers]] + [["" if c is None else str(c) for c in row] for row in rows]
    widths = [max(display_width(row[i]) for row in cells) for i in range(len(headers))]

    def fmt(row: list[str]) -> str:
        parts = []
        for i, cell in enumerate(row):
            pad = " " * (widths[i] - display_width(cell))
            parts.append(pad + cell if i in right else cell + pad)
        return "  ".join(parts).rstrip()

    lines = [fmt(cells[0]), "  ".join("-" * w for w in widths)]
    lines += [fmt(row) for row in cells[1:]]
    return "\n".join(lines)


def _default(value: object) -> object:
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    if hasattr(value, "isoformat"):
        return value.isoformat()
    raise TypeError(f"cannot render {type(value).__name__} as JSON")


def json_text(obj: object) -> str:
    """The JSON every client gives (the CLI's --json and the web API): amounts as strings with two decimals."""
    return json.dumps(obj, ensure_ascii=False, indent=2, default=_default)


def emit_json(obj: object) -> None:
    click.echo(json_text(obj))


def budget_status_shape(s) -> dict:
    """`budget status --json` (and GET /api/v1/budget/status)."""
    cap = s.cap
    return {
        "jurisdiction": s.jurisdiction, "year": s.year,
        "funds": [{"fund": f.fund, "opening": f.opening, "received": f.received, "spent": f.spent,
                   "committed": f.committed, "available": f.available} for f in s.funds],
        "purchased_services": {"base_kind": cap.base_kind, "base": cap.base, "rate": str(cap.rate),
                               "cap": cap.cap, "used": cap.used, "headroom": cap.headroom},
    }


def trial_balance_shape(tb) -> dict:
    """`ledger trial-balance --json`."""
    return {
        "jurisdiction": tb.jurisdiction, "as_of": tb.as_of,
        "rows": [{"account": r.account, "title": r.title, "fund": r.fund, "debit": r.debit, "credit": r.credit}
                 for r in tb.rows],
        "total_debit": tb.total_debit, "total_credit": tb.total_credit,
    }


@contextmanager
def progress(length: int, label: str):
    """A progress bar on a terminal; silent otherwise. Yields a function taking a step count."""
    if not sys.stderr.isatty() or length <= 0:
        yield lambda n=1: None
        return
    with click.progressbar(length=length, label=label, file=sys.stderr) as bar:
        yield bar.update
