"""Problems as records: what is wrong, where, under which rule, with which figures.

Pure. Every layer that finds something wrong says so with a `Problem`: the registry and opening readers
(a file, a physical line — the header is line 1 — and a column, so an operator can go straight to the cell),
the entry checks and `ledger verify` (the entry or account it is about), the services' refusals. The command
line prints `str(problem)` after `error:`; pages and reports can show the parts (the file and line, the rule,
the figures) apart. Problems are collected, never raised one at a time: a load reports every bad row of every
file, an entry every rule it breaks.

A load over a million rows may find a million problems, so `ProblemLog` does not grow with them: it counts
every problem, passes every one to an optional `sink` (a report file, say), and keeps only the first `shown`
for the refusal message, which ends with a line saying how many more there were.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .errors import Refusal

SHOWN_PROBLEMS = 200


@dataclass(frozen=True, slots=True)
class Problem:
    """Why something cannot be accepted, or is no longer what it was.

    `what` says it in words with the figures in them, as a reader sees it. `rule` names the rule broken (a
    short stable code, `entry.balanced`, `verify.chain`, `file.cell`…; empty where a message has not been
    given one). The place is a file location (`source`, `line`, `column`: None for a problem of the whole row
    or file) or an `entity` (`entry 17`, `cycle 3`). For a file row, `entity` is the household id the row
    names when it could be read: later checks stay quiet about rows that depend on a row already refused.
    `figures` carries the amounts or counts compared, by name, for a page to set out. `field` names the input
    the problem is about as the service calls it, so that each client points at its own way of giving it: the
    command line adds its option (`--as-of`), a page would mark its form field. A service never quotes a
    client's syntax itself.
    """

    what: str
    rule: str = ""
    source: str | None = None
    line: int | None = None
    column: str | None = None
    entity: str | None = None
    figures: tuple[tuple[str, str], ...] = ()
    field: str | None = None  # the input it is about, by the service's parameter name (`vendor`, `as_of`)

    @classmethod
    def in_file(cls, source: str, line: int, column: str | None, reason: str,
                household_id: str | None = None) -> Problem:
        """A problem of a cell, a row or a whole file."""
        return cls(reason, "file.cell" if column is not None else "file.row", source, line, column, household_id)

    @property
    def reason(self) -> str:
        return self.what

    @property
    def household_id(self) -> str | None:
        """The household a file row names (the row's entity)."""
        return self.entity if self.source is not None else None

    def where(self) -> str:
        if self.source is not None:
            where = f"{self.source} line {self.line}"
            return where + (f", column {self.column}" if self.column is not None else "")
        return self.entity or ""

    def __str__(self) -> str:
        where = self.where()
        return f"{where}: {self.what}" if where else self.what


def as_problems(found: str | Problem | Iterable[str | Problem]) -> list[Problem]:
    """Problems from what a check returned: records as they are, a message as a problem of that text."""
    if isinstance(found, (str, Problem)):
        found = [found]
    return [p if isinstance(p, Problem) else Problem(p) for p in found]


class ProblemLog:
    """Every problem of a load counted; the first `shown` kept for the message."""

    def __init__(self, shown: int = SHOWN_PROBLEMS, sink: Callable[[Problem], object] | None = None):
        if shown < 1:
            raise ValueError("a problem log shows at least one problem")
        self.shown = shown
        self.sink = sink
        self.count = 0
        self.first: list[Problem] = []

    def add(self, problem: Problem) -> None:
        self.count += 1
        if len(self.first) < self.shown:
            self.first.append(problem)
        if self.sink is not None:
            self.sink(problem)

    def extend(self, problems: Iterable[Problem]) -> None:
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
        """The refusal to raise when the log holds any problem: the kept problems, then the count left out."""
        from .errors import Refusal  # errors sits on problems: Refusal carries Problem records

        if not self.count:
            raise ValueError("no problems to refuse with")
        messages = self.messages()
        left_out: list[str | Problem] = list(messages[len(self.first):])
        return Refusal([*self.first, *left_out])
