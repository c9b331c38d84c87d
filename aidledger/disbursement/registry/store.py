"""Storing the registry: streaming imports, events, and the registry read back as of a day.

An import streams the files through the pure readers and checks (registry_load.py) and
inserts good records in batches as they come, inside one transaction; when the files
end, any problem found refuses the whole load and the transaction rolls back, so a bad
row anywhere stores nothing. Memory stays flat however long the files are.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Collection, Iterable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from itertools import islice

from sqlalchemy import exists, func, insert, select, text
from sqlalchemy.orm import Session

from aidledger.errors import Refusal
from aidledger.policy.store import current_documents
from aidledger.problems import ProblemLog

from .csv_source import UnreadableFile, open_registry_file
from .inputs import Input
from .load import RegistryLoad
from .records import Event, Household, Member
from .state import StoredHousehold
from .tables import EventRow, HouseholdRow, MemberRow, RegistryImport

BATCH = 2_000
Source = str | Input  # a path (tests, scripts), or a file a service made ready (inputs.py)


def _bulk(table):
    # Keep every batch one statement: without render_nulls the ORM starts a new statement
    # whenever the set of filled-in columns changes from one row to the next.
    return insert(table).execution_options(render_nulls=True)


@dataclass(frozen=True)
class ImportOutcome:
    households: int
    members: int
    events: int
    unchanged: bool = False
    dry_run: bool = False
    event_ids: tuple[int, int] | None = None  # the first and last id of the events stored (registry history)
    read: tuple[str, ...] = ()  # how each file was read (inputs.Input.described): its encoding, or its sheet


class DatabaseContext:
    """RegistryContext over the stored registry and the loaded policies."""

    def __init__(self, session: Session):
        self.session = session
        self._townships: dict[str, frozenset[str] | None] = {}
        # A fresh registry has nobody stored: skip a query per row.
        self._any_household = session.scalar(select(exists().where(HouseholdRow.household_id.isnot(None))))
        self._documents = None

    def townships_of(self, county: str):
        if county not in self._townships:
            if self._documents is None:
                self._documents = current_documents(self.session)
            document = self._documents.get(county)
            self._townships[county] = (
                frozenset(document.townships) if document is not None and document.level == "county" else None
            )
        return self._townships[county]

    def stored_program(self, household_id: str) -> str | None:
        if not self._any_household:
            return None
        return self.session.scalar(select(HouseholdRow.program).where(HouseholdRow.household_id == household_id))

    def household_approved_on(self, household_id: str) -> date | None:
        return self.session.scalar(select(HouseholdRow.approved_on).where(HouseholdRow.household_id == household_id))

    def stored_households(self, household_ids: Collection[str]) -> dict[str, StoredHousehold]:
        return load_households(self.session, household_ids) if self._any_household else {}

    def households_of_people(self, id_numbers: Collection[str]) -> dict[str, set[str]]:
        if not self._any_household:
            return {}
        return self.households_of(id_numbers, lambda part: (
            select(MemberRow.id_number, MemberRow.household_id).where(MemberRow.id_number.in_(part)),
            select(EventRow.id_number, EventRow.household_id).where(
                EventRow.id_number.in_(part), EventRow.kind.in_(("add_member", "member_joined")))))

    def households_of_accounts(self, accounts: Collection[str]) -> dict[str, set[str]]:
        if not self._any_household:
            return {}
        return self.households_of(accounts, lambda part: (
            select(HouseholdRow.bank_account, HouseholdRow.household_id).where(HouseholdRow.bank_account.in_(part)),
            select(EventRow.value, EventRow.household_id).where(
                EventRow.value.in_(part), EventRow.kind.in_(("payee", "bank_account")))))

    def households_of(self, keys: Collection[str], statements, chunk: int = 500) -> dict[str, set[str]]:
        wanted = sorted(set(keys))
        out: dict[str, set[str]] = {}
        for start in range(0, len(wanted), chunk):
            for statement in statements(wanted[start:start + chunk]):
                for key, household_id in self.session.execute(statement):
                    out.setdefault(key, set()).add(household_id)
        return out


def _digest(paths: Iterable[Source]) -> str:
    sha = hashlib.sha256()
    for path in paths:
        try:
            with open(_path(path), "rb") as handle:
                for chunk in iter(lambda: handle.read(1 << 20), b""):
                    sha.update(chunk)
        except OSError as exc:
            raise Refusal(f"{_name(path)}: cannot be read: {exc.strerror or exc}") from None
        sha.update(b"\0")
    return sha.hexdigest()


def _already_imported(session: Session, kind: str, digest: str) -> bool:
    return session.scalar(
        select(exists().where(RegistryImport.kind == kind, RegistryImport.digest == digest))
    )


def _any_rows(paths: Iterable[Source]) -> bool:
    """Whether any of the files holds a line after its header: files with a header alone are still checked, but
    store nothing, not even the import's record (an import of nothing is not an event of the registry)."""
    for path in paths:
        with _lines(path) as lines:
            try:
                next(lines, None)
                if any(line.strip() for line in lines):
                    return True
            except UnreadableFile:  # bad bytes: the load itself names them
                return True
    return False


def _batched(records: Iterator, size: int = BATCH) -> Iterator[list]:
    while batch := list(islice(records, size)):
        yield batch


def _store_file(session: Session, path: Source, read: Callable, table, to_row: Callable, import_id: int | None,
                load: RegistryLoad, progress: Callable[[int], None] | None) -> int:
    """Read one file through `read` (the load's checks), inserting its good rows in batches while the load has
    found no problem (a dry run inserts nothing); returns how many rows passed."""
    count = 0
    load.problems.extend(path.problems if isinstance(path, Input) else ())
    with _lines(path) as lines:
        for batch in _batched(read(lines, _name(path))):
            count += len(batch)
            if import_id is not None and not load.problems:
                session.execute(_bulk(table), [to_row(record, import_id) for record in batch])
            if progress:
                progress(len(batch))
    return count


def import_registry(
    session: Session, households_path: Source, members_path: Source, *, user: str, now: datetime, today: date,
    dry_run: bool = False, progress: Callable[[int], None] | None = None, problems: ProblemLog | None = None,
) -> ImportOutcome:
    """Load households.csv and members.csv, all or nothing."""
    digest = _digest([households_path, members_path])
    if _already_imported(session, "registry", digest):
        return ImportOutcome(0, 0, 0, unchanged=True)
    import_id = None
    if not dry_run and _any_rows([households_path, members_path]):
        import_id = _record_import(session, "registry", [households_path, members_path], digest, user, now)
    load = RegistryLoad(DatabaseContext(session), today=today, problems=problems)
    households = _store_file(session, households_path, load.households, HouseholdRow, _household_row, import_id,
                             load, progress)
    members = _store_file(session, members_path, load.members, MemberRow, _member_row, import_id, load, progress)
    problems = load.finish()
    if problems:
        raise problems.refusal()
    if not dry_run and households:
        refresh_statistics(session)
    return ImportOutcome(households, members, 0, dry_run=dry_run)


def refresh_statistics(session: Session) -> None:
    """Tell the database's planner how the registry is now made up (ANALYZE), after an import changed it whole.
    Without it SQLite takes an index on the county as if it picked out a few households, where it holds all of
    a county's 100,000: the dashboard's first households due for review walked the county's index and sorted
    (60 ms) instead of reading the households in key order (3 ms). PostgreSQL's autovacuum would come to it
    later; here it is at once, inside the import's transaction."""
    for table in (HouseholdRow, MemberRow, EventRow):
        session.execute(text(f"ANALYZE {table.__tablename__}"))


def import_events(
    session: Session, path: Source, *, user: str, now: datetime, today: date, dry_run: bool = False,
    problems: ProblemLog | None = None,
) -> ImportOutcome:
    """Record dated events (income, death, …), all or nothing: the file is judged whole (registry/changes.py),
    then its events are stored with those recorded with them (a move's arrival, a voided move's arrival voided)."""
    digest = _digest([path])
    if _already_imported(session, "events", digest):
        return ImportOutcome(0, 0, 0, unchanged=True)
    load = RegistryLoad(DatabaseContext(session), today=today, problems=problems)
    load.problems.extend(path.problems if isinstance(path, Input) else ())
    with _lines(path) as lines:
        checked = load.events(lines, _name(path))
    problems = load.finish()
    if problems:
        raise problems.refusal()
    if not dry_run and checked.events:
        import_id = _record_import(session, "events", [path], digest, user, now)
        for batch in _batched(iter(checked.events + checked.derived)):
            session.execute(_bulk(EventRow), [_event_row(event, import_id) for event in batch])
        first, last = session.execute(select(func.min(EventRow.id), func.max(EventRow.id))
                                      .where(EventRow.import_id == import_id)).one()
        return ImportOutcome(0, 0, len(checked.events), event_ids=(first, last))
    return ImportOutcome(0, 0, len(checked.events), dry_run=dry_run)


def _name(path: Source) -> str:
    if isinstance(path, Input):
        return path.name
    return path.replace("\\", "/").rsplit("/", 1)[-1]


def _path(path: Source) -> str:
    return path.path if isinstance(path, Input) else path


def _lines(path: Source) -> AbstractContextManager[Iterator[str]]:
    """A file's lines: an Input's (a workbook's sheet as CSV, a text file in its encoding), or a path's."""
    return path.lines() if isinstance(path, Input) else open_registry_file(path, _name(path))


def _record_import(session: Session, kind: str, paths: list[Source], digest: str, user: str, now: datetime) -> int:
    row = RegistryImport(kind=kind, sources=", ".join(_name(p) for p in paths), digest=digest,
                         loaded_by=user, loaded_at=now)
    session.add(row)
    session.flush()
    return row.id


def _household_row(h: Household, import_id: int) -> dict:
    return {
        "household_id": h.household_id, "county_code": h.county, "township": h.township, "area": h.area,
        "program": h.program, "monthly_income": h.monthly_income, "approved_on": h.approved_on, "tier": h.tier,
        "income_type": h.income_type, "tekun_setting": h.tekun_setting, "payee_name": h.payee_name,
        "bank_account": h.bank_account, "shared_account": h.shared_account, "import_id": import_id,
        "source_line": h.line,
    }


def _member_row(m: Member, import_id: int) -> dict:
    return {
        "id_number": m.id_number, "household_id": m.household_id, "name": m.name, "relation": m.relation,
        "birth_date": m.birth_date, "disability_grade": m.disability_grade, "disability_kind": m.disability_kind,
        "flags": ";".join(m.flags), "care_level": m.care_level, "single_person": m.single_person,
        "death_date": m.death_date, "import_id": import_id, "source_line": m.line,
    }


def _event_row(e: Event, import_id: int) -> dict:
    return {
        "household_id": e.household_id, "kind": e.kind, "date": e.date,
        "value": None if e.value is None else str(e.value), "id_number": e.id_number, "reason": e.reason,
        "details": json.dumps(dict(e.details), ensure_ascii=False, separators=(",", ":")) if e.details else None,
        "import_id": import_id, "source_line": e.line,
    }


# ---- reading back -------------------------------------------------------------------------


def household_record(row: HouseholdRow) -> Household:
    return Household(
        household_id=row.household_id, county=row.county_code, township=row.township, area=row.area,
        program=row.program, monthly_income=row.monthly_income, approved_on=row.approved_on, tier=row.tier,
        income_type=row.income_type, tekun_setting=row.tekun_setting, payee_name=row.payee_name,
        bank_account=row.bank_account, shared_account=row.shared_account, line=row.source_line,
    )


def member_record(row: MemberRow) -> Member:
    return Member(
        household_id=row.household_id, id_number=row.id_number, name=row.name, relation=row.relation,
        birth_date=row.birth_date, disability_grade=row.disability_grade, disability_kind=row.disability_kind,
        flags=tuple(f for f in row.flags.split(";") if f), care_level=row.care_level,
        single_person=row.single_person, death_date=row.death_date, line=row.source_line,
    )


# The columns an event is read back from, in this order (entitlement/store.py streams them too).
EVENT_COLUMNS = (EventRow.household_id, EventRow.kind, EventRow.date, EventRow.value, EventRow.id_number,
                 EventRow.reason, EventRow.details, EventRow.id, EventRow.source_line)


def event_record(columns) -> Event:
    """An event from its EVENT_COLUMNS, as a row of them or an EventRow."""
    if isinstance(columns, EventRow):
        columns = tuple(getattr(columns, c.key) for c in EVENT_COLUMNS)
    household_id, kind, day, value, id_number, reason, details, event_id, line = columns
    if kind == "income" and value is not None:
        value = Decimal(value)
    return Event(household_id, kind, day, value, id_number, reason,
                 tuple(json.loads(details).items()) if details else (), event_id, line)


def load_household(session: Session, household_id: str) -> StoredHousehold:
    row = session.get(HouseholdRow, household_id)
    if row is None:
        raise Refusal(f"household {household_id} is not in the registry")
    members = session.scalars(
        select(MemberRow).where(MemberRow.household_id == household_id).order_by(MemberRow.source_line)
    )
    events = session.scalars(
        select(EventRow).where(EventRow.household_id == household_id).order_by(EventRow.date, EventRow.id)
    )
    return StoredHousehold(
        household_record(row), tuple(member_record(m) for m in members), tuple(event_record(e) for e in events)
    )


def load_households(session: Session, ids: Iterable[str], chunk: int = 500) -> dict[str, StoredHousehold]:
    """The stored households among `ids` (unknown ones left out), read `chunk` at a time: three
    queries per chunk instead of three per household."""
    wanted = sorted(set(ids))
    out: dict[str, StoredHousehold] = {}
    for start in range(0, len(wanted), chunk):
        part = wanted[start:start + chunk]
        members: dict[str, list[Member]] = {h: [] for h in part}
        events: dict[str, list[Event]] = {h: [] for h in part}
        for m in session.scalars(select(MemberRow).where(MemberRow.household_id.in_(part))
                                 .order_by(MemberRow.household_id, MemberRow.source_line)):
            members[m.household_id].append(member_record(m))
        for e in session.scalars(select(EventRow).where(EventRow.household_id.in_(part))
                                 .order_by(EventRow.household_id, EventRow.date, EventRow.id)):
            events[e.household_id].append(event_record(e))
        for row in session.scalars(select(HouseholdRow).where(HouseholdRow.household_id.in_(part))):
            out[row.household_id] = StoredHousehold(household_record(row), tuple(members[row.household_id]),
                                                    tuple(events[row.household_id]))
    return out


def late_changes(session: Session, county: str, after_id: int, day: date,
                 kinds: Collection[str] | None = None) -> list[tuple[str, str]]:
    """(household, kind) of the county's events recorded after event `after_id` that change the registry as of
    `day`: those dated on or before it, and the voids (whatever their own date) of events dated on or before it."""
    h, e = HouseholdRow, EventRow
    recorded = (select(e.household_id, e.kind, e.date, e.value).join(h, h.household_id == e.household_id)
                .where(h.county_code == county, e.id > after_id))
    if kinds is not None:
        recorded = recorded.where(e.kind.in_(tuple(kinds) + ("void",)))
    out, voids = [], []
    for household_id, kind, when, value in session.execute(recorded):
        if kind == "void":
            voids.append((household_id, int(value)))
        elif when <= day:
            out.append((household_id, kind))
    if voids:
        dated = dict(session.execute(select(e.id, e.date).where(e.id.in_([target for _, target in voids]))).all())
        out += [(household_id, "void") for household_id, target in voids if dated.get(target, day) <= day]
    return out


def count_households(session: Session, county: str | None = None) -> int:
    stmt = select(func.count()).select_from(HouseholdRow)
    if county:
        stmt = stmt.where(HouseholdRow.county_code == county)
    return session.scalar(stmt) or 0
