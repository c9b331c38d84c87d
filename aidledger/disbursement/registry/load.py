"""One registry load: files streamed through the readers and the checks, problems collected.

Pure. A `RegistryLoad` turns each file into a stream of good records for the caller to
store in batches, while every problem goes to one `ProblemLog`. Only records that passed
every check are yielded, so a batch never trips over a repeated household or person; but a
load is good only when the log is empty after `finish()`. All or nothing is the caller's
transaction: store as the records come, then roll back if any problem was found.

    load = RegistryLoad(context, today=today, replace=False)
    with open_registry_file(households_path, "households.csv") as lines:
        for batch in batched(load.households(lines), 1000):
            store_households(batch)
    with open_registry_file(members_path, "members.csv") as lines:
        for batch in batched(load.members(lines), 1000):
            store_members(batch)
    problems = load.finish()
    if problems:
        raise problems.refusal()        # and the transaction rolls back

Files are read one after the other, households before members: a member is judged
against the households already read.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import date

from aidledger.problems import Problem, ProblemLog

from .changes import CheckedFile, check_events
from .context import RegistryContext
from .readers import read_events, read_households, read_members
from .records import Event, Household, Member
from .validation import HouseholdChecks, MemberChecks


class RegistryLoad:
    """The state of one load: the cross-file checks and the problems found so far."""

    def __init__(
        self,
        context: RegistryContext,
        *,
        today: date,
        replace: bool = False,
        problems: ProblemLog | None = None,
    ):
        self.context = context
        self.today = today
        self.replace = replace
        self.problems = problems if problems is not None else ProblemLog()
        self._households: HouseholdChecks | None = None
        self._members: MemberChecks | None = None
        self._reading = False
        self._finished = False

    def households(self, lines: Iterable[str], source: str = "households.csv") -> Iterator[Household]:
        """The good households of a households.csv; problems go to `problems`."""
        self._start("households")
        if self._members is not None:
            raise RuntimeError("read the households file before the members file")
        if self._households is not None:
            raise RuntimeError("a load reads one households file")
        checks = self._households = HouseholdChecks(source, self.context, replace=self.replace)
        yield from self._passing(read_households(lines, source, today=self.today), checks)

    def members(self, lines: Iterable[str], source: str = "members.csv") -> Iterator[Member]:
        """The good members of a members.csv; read after the households file, if there is one."""
        self._start("members")
        if self._members is not None:
            raise RuntimeError("a load reads one members file")
        if self._households is None:  # members added to stored households only
            self._households = HouseholdChecks("households.csv", self.context, replace=self.replace)
        checks = self._members = MemberChecks(source, self.context, self._households)
        yield from self._passing(read_members(lines, source, today=self.today), checks)

    def events(self, lines: Iterable[str], source: str = "events.csv") -> CheckedFile:
        """The events of an events.csv, judged against the stored registry (changes.py): the file is read whole,
        since an event is judged in its place in its household's history, wherever the file puts it."""
        self._start("events")
        try:
            events: list[Event] = []
            for item in read_events(lines, source, today=self.today):
                if isinstance(item, Problem):
                    self.problems.add(item)
                else:
                    events.append(item)
        finally:
            self._reading = False
        checked = check_events(events, self.context, source, lasting=not self.problems)
        self.problems.extend(checked.problems)
        return checked

    def _passing(self, items: Iterable, checks) -> Iterator:
        """The records that pass `checks`; every problem goes to the log, and the checks hear of
        refused rows so that rows depending on one are not refused again."""
        try:
            for item in items:
                if isinstance(item, Problem):
                    self.problems.add(item)
                    checks.refused(item)
                    continue
                found = checks.check(item)
                if found:
                    self.problems.extend(found)
                else:
                    yield item
        finally:
            self._reading = False

    def finish(self) -> ProblemLog:
        """Add the problems only the end of the files reveals; the log then holds them all."""
        if self._reading:
            raise RuntimeError("finish() called while a file is still being read")
        if not self._finished and self._members is not None:
            self.problems.extend(self._members.finish())
        self._finished = True
        return self.problems

    def _start(self, what: str) -> None:
        # the generators run lazily: catch a caller who interleaves two files or reads after finish
        if self._finished:
            raise RuntimeError(f"cannot read {what} after finish()")
        if self._reading:
            raise RuntimeError(f"cannot read {what} while another file is being read")
        self._reading = True
