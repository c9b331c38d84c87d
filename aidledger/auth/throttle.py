"""The growing delay after failed sign-ins. Pure.

Three failures in a row cost nothing (a mistyped password); from the fourth, each failure doubles the wait before
the next attempt is even checked, up to 15 minutes. Attempts during the wait are refused unchecked and not counted,
so an attacker guessing a name's password gets a handful of guesses an hour, and cannot lock its owner out for
longer than the cap. A success clears the count.
"""

from __future__ import annotations

FREE_FAILURES = 3
CAP_SECONDS = 15 * 60


def delay_after(failures: int) -> int:
    """Seconds to wait after `failures` consecutive failed sign-ins."""
    if failures < FREE_FAILURES:
        return 0
    return min(1 << (failures - FREE_FAILURES), CAP_SECONDS) if failures - FREE_FAILURES < 32 else CAP_SECONDS
