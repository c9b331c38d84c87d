"""The refusal: how every layer says "no" to bad input or a broken rule.

A refusal carries one message per problem (collected, not just the first, as beancount's
validations do). The CLI prints each as an `error:` line and exits with status 3; the
transaction that raised it is rolled back, so the database stays exactly as it was.
"""

from __future__ import annotations

from collections.abc import Iterable


class Refusal(Exception):
    """Bad input, a broken rule, a missing role or a missing thing."""

    def __init__(self, problems: str | Iterable[str]):
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        if not self.problems:
            raise ValueError("a refusal needs at least one problem")
        super().__init__("; ".join(self.problems))
