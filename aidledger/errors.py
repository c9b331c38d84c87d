"""The refusal: how every layer says "no" to bad input or a broken rule.

A refusal carries every problem found (collected, not just the first, as beancount's validations do), as
`Problem` records (aidledger/problems.py). The CLI prints each as an `error:` line and exits with status 3;
the transaction that raised it is rolled back, so the database stays exactly as it was.
"""

from __future__ import annotations

from collections.abc import Iterable

from .problems import Problem, as_problems


class Refusal(Exception):
    """Bad input, a broken rule, a missing role or a missing thing."""

    def __init__(self, problems: str | Problem | Iterable[str | Problem]):
        self.problems: list[Problem] = as_problems(problems)
        if not self.problems:
            raise ValueError("a refusal needs at least one problem")
        super().__init__("; ".join(self.messages))

    @property
    def messages(self) -> list[str]:
        """Each problem as the one line a reader sees."""
        return [str(p) for p in self.problems]
