"""Importing a county's files: households and members, events; the files as counties have them (an Excel
workbook, a CSV in UTF-8 or GBK), every problem to a file when asked, the importer's role and scope checked."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from aidledger.auth.scope import within
from aidledger.disbursement.registry import store as registry_store
from aidledger.disbursement.registry.inputs import Input, Wanted, inputs
from aidledger.disbursement.registry.problem_file import write_problem_file
from aidledger.disbursement.registry.store import ImportOutcome
from aidledger.disbursement.registry.tables import EventRow, HouseholdRow, RegistryImport
from aidledger.errors import Refusal
from aidledger.problems import Problem, ProblemLog
from aidledger.users import require_role, scope_of


def import_registry(session: Session, households_path: str, members_path: str, *, user, now, today, dry_run,
                    progress=None, households_sheet: str | None = None, members_sheet: str | None = None,
                    encoding: str | None = None, errors_to: str | Path | None = None) -> ImportOutcome:
    """Load the households and members files (CSV in UTF-8 or GBK, or sheets of one or two workbooks), all or
    nothing; with `errors_to`, every problem is written there as a CSV (problem_file.py) — header only when none."""
    require_role(session, user, "preparer", action="import the registry")
    wanted = [Wanted(households_path, "households", households_sheet, encoding),
              Wanted(members_path, "members", members_sheet, encoding)]
    with inputs(wanted, progress=progress) as ready:
        before = _last_import(session)
        outcome = _reporting(errors_to, ready, lambda log: registry_store.import_registry(
            session, ready[0], ready[1], user=user, now=now, today=today, dry_run=dry_run, progress=progress,
            problems=log))
        _imported_within_scope(session, user, before)
        return replace(outcome, read=tuple(file.described() for file in ready))


def import_events(session: Session, path: str, *, user, now, today, dry_run, sheet: str | None = None,
                  encoding: str | None = None, errors_to: str | Path | None = None) -> ImportOutcome:
    """Record the events of an events file (CSV or a workbook's sheet), all or nothing, as `import_registry`."""
    require_role(session, user, "preparer", action="record registry events")
    with inputs([Wanted(path, "events", sheet, encoding)]) as ready:
        before = _last_import(session)
        outcome = _reporting(errors_to, ready, lambda log: registry_store.import_events(
            session, ready[0], user=user, now=now, today=today, dry_run=dry_run, problems=log))
        _imported_within_scope(session, user, before)
        return replace(outcome, read=tuple(file.described() for file in ready))


def _reporting(errors_to: str | Path | None, ready: Sequence[Input],
               load: Callable[[ProblemLog | None], ImportOutcome]) -> ImportOutcome:
    """Run `load` with a problem log that keeps every problem when they are to go to a file, and write the file:
    every problem of a refusal (the refusal then says where they are), or only the header when there were none."""
    if errors_to is None:
        return load(None)
    every: list[Problem] = []
    log = ProblemLog(sink=every.append)
    try:
        outcome = load(log)
    except Refusal as refusal:
        found = every or refusal.problems
        write_problem_file(errors_to, found, [(file.name, file.read_path) for file in ready])
        raise Refusal([*refusal.problems, f"every problem ({len(found)}) is listed in {errors_to}"]) from None
    write_problem_file(errors_to, [], [])
    return outcome


def _last_import(session: Session) -> int:
    return session.scalar(select(func.max(RegistryImport.id))) or 0


def _imported_within_scope(session: Session, user, before: int) -> None:
    """A scoped user (a township's clerk) imports only households, members and events of their own townships: what
    the import stored is checked, and anything outside refuses the whole import (the transaction rolls back)."""
    scope = scope_of(session, user)
    if scope is None:
        return
    households = select(HouseholdRow.household_id, HouseholdRow.township).where(HouseholdRow.import_id > before)
    events = (select(HouseholdRow.household_id, HouseholdRow.township)
              .join(EventRow, EventRow.household_id == HouseholdRow.household_id).where(EventRow.import_id > before))
    outside = sorted({hid for stmt in (households, events) for hid, township in session.execute(stmt)
                      if not within(scope, township)})
    if outside:
        shown = ", ".join(outside[:10]) + (f" and {len(outside) - 10} more" if len(outside) > 10 else "")
        raise Refusal(f"the import names households outside the scope {scope} of user {user!r}: {shown}; "
                      "nothing was imported")


