"""Problems found in registry files, and the log that collects them during a load.

Pure. A `RowProblem` names the file, the physical line (the header is line 1), the column
and the reason, so an operator can go straight to the cell. Problems are collected, never
raised one at a time: a load reports every bad row of every file.

A load over a million rows may find a million problems, so `ProblemLog` does not grow with
them: it counts every problem, passes every one to an optional `sink` (a report file, say),
and keeps only the first `shown` for the refusal message, which ends with a line saying how
many more there were.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from .errors import Refusal

SHOWN_PROBLEMS = 200


@dataclass(frozen=True)
class RowProblem:
    """Why one cell, row or file cannot be loaded.

    `column` is None for a problem of the whole row or file (wrong number of fields, not
    UTF-8). `household_id` is the household the row names when it could be read; it lets
    later checks stay quiet about rows that depend on a row already refused.
    """

    source: str
    line: int
    column: str | None
    reason: str
    household_id: str | None = None

    def __str__(self) -> str:
        where = f"{self.source} line {self.line}"
        if self.column is not None:
            where += f", column {self.column}"
        return f"{where}: {self.reason}"


class ProblemLog:
    """Every problem of a load counted; the first `shown` kept for the message."""

    def __init__(self, shown: int = SHOWN_PROBLEMS, sink: Callable[[RowProblem], object] | None = None):
        if shown < 1:
            raise ValueError("a problem log shows at least one problem")
        self.shown = shown
        self.sink = sink
        self.count = 0
        self.first: list[RowProblem] = []

    def add(self, problem: RowProblem) -> None:
        self.count += 1
        if len(self.first) < self.shown:
            self.first.append(problem)
        if self.sink is not None:
            self.sink(problem)

    def extend(self, problems: Iterable[RowProblem]) -> None:
        for problem in problems:
            self.add(problem)

    def __bool__(self) -> bool:
        return self.count > 0

    def __len__(self) -> int:
        return self.count

    def messages(self) -> list[str]:
        """One line per kept problem, then how many were left out."""
        lines = [str(problem) for problem in self.first]
        hidden = self.count - len(self.first)
        if hidden:
            lines.append(f"… and {hidden} more problem{'s' if hidden != 1 else ''} not shown ({self.count} in all)")
        return lines

    def refusal(self) -> Refusal:
        """The refusal to raise when the log holds any problem."""
        if not self.count:
            raise ValueError("no problems to refuse with")
        return Refusal(self.messages())
