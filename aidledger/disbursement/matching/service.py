"""Cross-checks before payment (数据比对) as users and the cycle run invoke them: lists loaded, findings raised,
listed and resolved, confirmed lines held.

- `load_list` (preparer): all or nothing, every problem named; the file is read twice (checked and digested, then
  stored), since a list's row is written once with its digest and never updated. The identical list again (same
  kind, source, date and rows) changes nothing; the same kind, source and date with other rows is refused.
- `match_cycle` (called by `cycle run`, inside its transaction): every counted member of every household the cycle
  pays against the lists in force (rules.py), as one join in the database on the id number: the county's
  members (and members added by events) of the cycle's households against the list rows in force; only the few
  households with a hit are rebuilt to see who counts. Findings are never deleted: a re-run adds those it finds
  anew and records a sighting of every one it finds again; a confirmed finding found again holds the line again.
- `resolve` (approver, a draft's finding found by its latest run, once): confirmed holds the household's line
  (moved to `cycle_held`, the count and total lowered, its re-issues, instalments and set-offs left due); dismissed
  with the reason. `open_count` is what stops a sign-off.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from sqlalchemy import and_, delete, func, insert, select, union_all
from sqlalchemy.orm import Session

from aidledger.auth.scope import contains, level_of, township_of
from aidledger.codes import MatchKind, MatchResolution
from aidledger.disbursement.payments.tables import (
    BankReturn,
    Cycle,
    CycleHeld,
    CycleLine,
    CycleReissue,
    CycleTransition,
)
from aidledger.disbursement.recovery.tables import CycleSetOff
from aidledger.disbursement.registry.csv_source import open_registry_file, read_rows
from aidledger.disbursement.registry.store import load_household
from aidledger.disbursement.registry.tables import EventRow, HouseholdRow, MemberRow, RegistryImport
from aidledger.disbursement.rules.facts import counted_members, first_day
from aidledger.disbursement.temporary.tables import CycleInstalment, TemporaryGrant
from aidledger.errors import Refusal
from aidledger.ledger.service.posting import lock_books
from aidledger.policy.store import effective_policy
from aidledger.problems import Problem, ProblemLog
from aidledger.users import personal_numbers, require_role, require_whole, require_within, scope_of, standing

from .reading import COLUMNS, EnglishHeader, ListEntry, check_row, digest_line, repeated
from .rules import ListHit, StoredList, findings, in_force
from .tables import MatchFinding, MatchList, MatchResolutionRow, MatchRow, MatchSighting
from .views import FindingView

KINDS = tuple(k.value for k in MatchKind)
_BATCH = 5_000
RUNS = ("run", "re-run")  # the reasons of the draft transitions a run records (cycles/service/run.py)
MEMBER_EVENTS = ("add_member", "member_joined")


# ---- loading a list ------------------------------------------------------------------------------


@dataclass(frozen=True)
class LoadOutcome:
    list_id: int | None
    rows: int
    unchanged: bool = False
    dry_run: bool = False


def _entries(path: str | Path, name: str, kind: str, listed_on: date, today: date, log: ProblemLog) \
        -> Iterable[ListEntry]:
    seen: dict[str, int] = {}
    with open_registry_file(path, name) as lines:
        for item in read_rows(EnglishHeader(lines), name, COLUMNS):
            if isinstance(item, Problem):
                log.add(item)
                continue
            checked = check_row(item, name, kind, listed_on, today)
            if isinstance(checked, list):
                log.extend(checked)
                continue
            twice = repeated(checked, seen, name, kind)
            if twice is not None:
                log.add(twice)
                continue
            yield checked


def load_list(session: Session, path: str | Path, *, kind: str, source: str, listed_on: date, user: str | None,
              now: datetime, today: date, dry_run: bool = False) -> LoadOutcome:
    """Store another department's list (preparer): all or nothing; every problem named."""
    require_role(session, user, "preparer", action="load comparison lists")
    scope = scope_of(session, user)
    if scope is not None and level_of(scope) == "township":
        raise Refusal(f"user {user!r} works for township {scope}: another department's list is loaded by a user "
                      "whose scope holds the county")
    problems = []
    if kind not in KINDS:
        problems.append(Problem(f"kind {kind!r} is not one of {', '.join(KINDS)}", "match.kind", field="kind"))
    source = source.strip()
    if not source:
        problems.append(Problem("a list needs its source (who sent it: 县殡仪馆火化名单)", "match.source",
                                field="source"))
    elif len(source) > 200:
        problems.append(Problem("a source has at most 200 characters", "match.source", field="source"))
    if listed_on > today:
        problems.append(Problem(f"a list dated {listed_on} is after today ({today})", "match.date", field="date"))
    if problems:
        raise Refusal(problems)
    name = Path(path).name
    log = ProblemLog()
    digest = hashlib.sha256(f"{kind}\x1f{source}\x1f{listed_on}\n".encode())
    count = 0
    for entry in _entries(path, name, kind, listed_on, today, log):
        digest.update(digest_line(entry))
        count += 1
    if log:
        raise log.refusal()
    if not count:
        raise Refusal(Problem.in_file(name, 1, None, "the list has no rows after its header: nothing to store"))
    hexdigest = digest.hexdigest()
    stored = list(session.scalars(select(MatchList).where(MatchList.kind == kind, MatchList.source == source,
                                                          MatchList.listed_on == listed_on)))
    if any(s.digest == hexdigest for s in stored):
        return LoadOutcome(next(s.id for s in stored if s.digest == hexdigest), count, unchanged=True)
    if stored:
        raise Refusal(f"list {stored[0].id} ({kind}, {source}, {listed_on}) is stored with other rows; lists are "
                      "never changed: load the corrected list with its own (later) date, which supersedes it")
    if dry_run:
        return LoadOutcome(None, count, dry_run=True)
    row = MatchList(kind=kind, source=source, listed_on=listed_on, file_name=name, digest=hexdigest, rows=count,
                    loaded_by=user, loaded_at=now)
    session.add(row)
    session.flush()
    batch: list[dict] = []
    again = ProblemLog()
    for entry in _entries(path, name, kind, listed_on, today, again):
        batch.append({"list_id": row.id, "line": entry.line, "id_number": entry.id_number, "name": entry.name,
                      "on": entry.on, "detail": entry.detail})
        if len(batch) >= _BATCH:
            session.execute(insert(MatchRow), batch)
            batch = []
    if batch:
        session.execute(insert(MatchRow), batch)
    if again:  # the file changed between the two readings
        raise again.refusal()
    session.flush()
    return LoadOutcome(row.id, count)


@dataclass(frozen=True)
class ListSummary:
    id: int
    kind: str
    source: str
    listed_on: date
    rows: int
    loaded_by: str
    file_name: str

    def as_dict(self) -> dict[str, object]:
        return {"id": self.id, "kind": self.kind, "source": self.source, "date": self.listed_on, "rows": self.rows,
                "loaded_by": self.loaded_by, "file": self.file_name}


def stored_lists(session: Session) -> list[ListSummary]:
    return [ListSummary(s.id, s.kind, s.source, s.listed_on, s.rows, s.loaded_by, s.file_name)
            for s in session.scalars(select(MatchList).order_by(MatchList.id))]


def lists_in_force(session: Session, on: date) -> list[StoredList]:
    return in_force([StoredList(s.id, s.kind, s.source, s.listed_on) for s in session.scalars(select(MatchList))], on)


# ---- matching a cycle (cycle run) ----------------------------------------------------------------


def latest_run(session: Session, cycle_id: int) -> int | None:
    """The `cycle_transitions` row of the cycle's latest run (its findings are the current ones)."""
    return session.scalar(select(func.max(CycleTransition.id)).where(
        CycleTransition.cycle_id == cycle_id, CycleTransition.status == "draft", CycleTransition.reason.in_(RUNS)))


def _hits(session: Session, cycle_id: int, lists: list[StoredList]) -> dict[tuple[str, str], list[ListHit]]:
    """(household, id number) → the rows of the lists in force carrying a person of a household the cycle pays."""
    by_id = {s.id: s for s in lists}
    members = (select(CycleLine.household_id.label("household_id"), MemberRow.id_number.label("id_number"))
               .join(MemberRow, MemberRow.household_id == CycleLine.household_id)
               .where(CycleLine.cycle_id == cycle_id))
    joined = (select(CycleLine.household_id.label("household_id"), EventRow.id_number.label("id_number"))
              .join(EventRow, and_(EventRow.household_id == CycleLine.household_id, EventRow.kind.in_(MEMBER_EVENTS)))
              .where(CycleLine.cycle_id == cycle_id))
    people = union_all(members, joined).subquery()
    query = (select(people.c.household_id, people.c.id_number, MatchRow.list_id, MatchRow.line, MatchRow.on,
                    MatchRow.detail)
             .join(MatchRow, MatchRow.id_number == people.c.id_number)
             .where(MatchRow.list_id.in_(list(by_id))))
    found: dict[tuple[str, str], dict[tuple[int, int], ListHit]] = defaultdict(dict)
    for household_id, id_number, list_id, line, on, detail in session.execute(query):
        found[(household_id, id_number)][(list_id, line)] = ListHit(by_id[list_id], line, on, detail)
    return {key: list(hits.values()) for key, hits in found.items()}


def match_cycle(session: Session, cycle: Cycle, run_id: int, on: date, now: datetime) -> int:
    """Raise the findings of a run (`run_id`, booked on `on`) of a draft; hold the lines of households with a
    confirmed finding found again. Returns how many findings the run found."""
    lists = lists_in_force(session, on)
    if not lists:
        return 0
    day = first_day(cycle.month)
    snap = effective_policy(session, cycle.jurisdiction_code).on(day).matching
    hits = _hits(session, cycle.id, lists)
    by_household: dict[str, list[tuple[str, list[ListHit]]]] = defaultdict(list)
    for (household_id, id_number), rows in hits.items():
        by_household[household_id].append((id_number, rows))
    existing = {(f.household_id, f.id_number, f.list_id, f.line): f for f in session.scalars(
        select(MatchFinding).where(MatchFinding.cycle_id == cycle.id))}
    seen: list[MatchFinding] = []
    fresh: list[MatchFinding] = []  # raised by this run for the first time
    for household_id in sorted(by_household):
        counted = {m.id_number: m for m in counted_members(load_household(session, household_id).on(day))}
        for id_number, rows in sorted(by_household[household_id]):
            member = counted.get(id_number)
            if member is None:
                continue  # not counted this month (died before it, left the household)
            for found in findings(member.name, rows, day, snap.checks, snap.vehicles_allowed()):
                key = (household_id, id_number, found.hit.list.id, found.hit.line)
                finding = existing.get(key)
                if finding is None:
                    finding = MatchFinding(cycle_id=cycle.id, household_id=household_id, id_number=id_number,
                                           name=member.name, kind=found.kind, list_id=found.hit.list.id,
                                           line=found.hit.line, row_on=found.hit.on, detail=found.detail,
                                           reason=found.reason, raised_in=run_id, raised_at=now)
                    session.add(finding)
                    existing[key] = finding
                    fresh.append(finding)  # (ids come at an autoflush: the next household's read may give one)
                seen.append(finding)
    if not seen:
        return 0
    session.flush()
    session.execute(insert(MatchSighting), [{"finding_id": f.id, "run_id": run_id} for f in seen])
    _carry_decisions(session, cycle, fresh, on, now)
    confirmed = {r.finding_id for part in _parts(sorted(f.id for f in seen)) for r in session.scalars(
        select(MatchResolutionRow).where(MatchResolutionRow.finding_id.in_(part),
                                         MatchResolutionRow.action == MatchResolution.CONFIRMED))}
    for finding in seen:
        if finding.id in confirmed:
            hold_line(session, cycle, finding.household_id, held_reason(finding))
    return len(seen)


def _carry_decisions(session: Session, cycle: Cycle, fresh: list[MatchFinding], on: date, now: datetime) -> None:
    """An approver's decision on a person and a list row stands for the months after: a finding raised again in a
    later cycle (the same household, person and row of the same list) takes the decision made on it,
    recorded as that approver's, saying which finding it comes from. A person checked and found alive is not
    re-raised every month the crematorium's list stays in force; a confirmed finding holds the line again until
    the registry event is recorded (then the person is no longer counted and nothing is found)."""
    if not fresh:
        return
    keys = {(f.household_id, f.id_number, f.list_id, f.line): f for f in fresh}
    lists = sorted({f.list_id for f in fresh})
    # The first decision is the approver's own: every later finding of the same row was carried from it (a
    # carried finding is resolved, so no one decides it again).
    first: dict[tuple[str, str, int, int], tuple[int, MatchResolutionRow]] = {}
    for part in _parts(sorted({f.id_number for f in fresh})):  # a bound list per statement stays small
        earlier = (select(MatchFinding.id, MatchFinding.household_id, MatchFinding.id_number, MatchFinding.list_id,
                          MatchFinding.line, MatchResolutionRow)
                   .join(MatchResolutionRow, MatchResolutionRow.finding_id == MatchFinding.id)
                   .where(MatchFinding.cycle_id != cycle.id, MatchFinding.id_number.in_(part),
                          MatchFinding.list_id.in_(lists)))
        for finding_id, household_id, id_number, list_id, line, decision in session.execute(earlier):
            key = (household_id, id_number, list_id, line)
            if key in keys and (key not in first or finding_id < first[key][0]):
                first[key] = (finding_id, decision)
    for key, (_, decision) in first.items():
        session.add(MatchResolutionRow(
            finding_id=keys[key].id, action=decision.action,
            reason=f"沿用第 {decision.finding_id} 号发现的结论（{decision.on:%Y-%m-%d} {decision.display_name}）："
                   f"{decision.reason}",
            user_name=decision.user_name, display_name=decision.display_name, on=on, at=now))
    session.flush()


def _parts(values: list, size: int = 500) -> Iterator[list]:
    """`values` in lists of at most `size`: SQLite binds at most 32,766 values to one statement."""
    for start in range(0, len(values), size):
        yield values[start:start + size]


def held_reason(finding: MatchFinding) -> str:
    return f"数据比对已核实（第 {finding.id} 号发现）: {finding.reason}; 暂缓发放, 待登记名册事件"


def hold_line(session: Session, cycle: Cycle, household_id: str, reason: str) -> bool:
    """Move a draft's line to its held lines: the count and total lowered, its re-issued returns, instalments and
    set-offs left due for the cycle that pays the household (as a held line's are at the run). False when the
    cycle does not pay the household (held already)."""
    line = session.get(CycleLine, (cycle.id, household_id))
    if line is None:
        return False
    session.add(CycleHeld(cycle_id=cycle.id, household_id=household_id, payee_name=line.payee_name,
                          amount=line.amount, reason=reason, track_status=line.track_status,
                          exit_month=line.exit_month, exit_base=line.exit_base, dibao_amount=line.dibao_amount))
    returns = select(BankReturn.id).where(BankReturn.household_id == household_id)
    grants = select(TemporaryGrant.id).where(TemporaryGrant.household_id == household_id)
    session.execute(delete(CycleReissue).where(CycleReissue.cycle_id == cycle.id,
                                               CycleReissue.return_id.in_(returns)))
    session.execute(delete(CycleInstalment).where(CycleInstalment.cycle_id == cycle.id,
                                                  CycleInstalment.grant_id.in_(grants)))
    session.execute(delete(CycleSetOff).where(CycleSetOff.cycle_id == cycle.id,
                                              CycleSetOff.household_id == household_id))
    amount = line.amount
    session.delete(line)
    cycle.count -= 1
    cycle.total -= amount
    session.flush()
    return True


# ---- reading findings ----------------------------------------------------------------------------


def _views(session: Session, rows: list[MatchFinding], *, reader: str | None, as_json: bool) -> list[FindingView]:
    if not rows:
        return []
    shown = personal_numbers(session, reader, as_json=as_json)
    ids = [f.id for f in rows]
    lists = {s.id: s for s in session.scalars(select(MatchList).where(MatchList.id.in_({f.list_id for f in rows})))}
    resolutions = {r.finding_id: r for part in _parts(ids) for r in session.scalars(
        select(MatchResolutionRow).where(MatchResolutionRow.finding_id.in_(part)))}
    runs = {c: latest_run(session, c) for c in {f.cycle_id for f in rows}}
    months = dict(session.execute(select(Cycle.id, Cycle.month).where(Cycle.id.in_(list(runs)))).all())
    sighted = {(s.finding_id, s.run_id) for part in _parts(ids) for s in session.scalars(
        select(MatchSighting).where(MatchSighting.finding_id.in_(part)))}
    out = []
    for f in rows:
        done = resolutions.get(f.id)
        s = lists[f.list_id]
        out.append(FindingView(
            f.id, f.cycle_id, f.household_id, f.name, shown(f.id_number), f.kind, s.source, s.listed_on, s.id, f.line,
            f.row_on, f.detail, f.reason, done.action if done else "open", (f.id, runs[f.cycle_id]) in sighted,
            done.user_name if done else None, done.display_name if done else None, done.on if done else None,
            done.reason if done else None,
            _todo(session, f, done) if done is not None and done.action == MatchResolution.CONFIRMED else None,
            months[f.cycle_id]))
    return out


def _todo(session: Session, finding: MatchFinding, done: MatchResolutionRow) -> str | None:
    """The registry event a confirmed finding calls for, until one is recorded."""
    if finding.kind == MatchKind.DEATH:
        recorded = session.scalar(select(func.count()).select_from(EventRow).where(
            EventRow.household_id == finding.household_id, EventRow.kind == "death",
            EventRow.id_number == finding.id_number))
        return None if recorded else f"待登记 {finding.name} 的死亡事件（名册变动：死亡）"
    recorded = session.scalar(select(func.count()).select_from(EventRow)
                              .join(RegistryImport, RegistryImport.id == EventRow.import_id)
                              .where(EventRow.household_id == finding.household_id,
                                     RegistryImport.loaded_at > done.at))
    return None if recorded else "待核查家庭经济状况并登记名册事件 (收入变化、终止等)"


def findings_of(session: Session, cycle_id: int, *, reader: str | None, as_json: bool = False,
                township: str | None = None) -> list[FindingView]:
    """The findings raised on a cycle, as `reader` may see them (a township's clerk: the township's households)."""
    cycle = session.get(Cycle, cycle_id)
    if cycle is None:
        raise Refusal(f"no cycle {cycle_id}")
    require_within(session, reader, cycle.jurisdiction_code, what=f"cycle {cycle_id}")
    scope = scope_of(session, reader)
    own = township if township is not None else (
        township_of(scope) if contains(cycle.jurisdiction_code, scope) else None)
    query = select(MatchFinding).where(MatchFinding.cycle_id == cycle_id)
    if own is not None:
        query = query.join(HouseholdRow, HouseholdRow.household_id == MatchFinding.household_id).where(
            HouseholdRow.township == own)
    return _views(session, list(session.scalars(query.order_by(MatchFinding.id))), reader=reader, as_json=as_json)


def open_count(session: Session, cycle_id: int) -> int:
    """How many findings found by the cycle's latest run are not resolved: each stops the sign-off."""
    run = latest_run(session, cycle_id)
    if run is None:
        return 0
    resolved = select(MatchResolutionRow.finding_id)
    return session.scalar(select(func.count()).select_from(MatchSighting)
                          .join(MatchFinding, MatchFinding.id == MatchSighting.finding_id)
                          .where(MatchFinding.cycle_id == cycle_id, MatchSighting.run_id == run,
                                 MatchSighting.finding_id.not_in(resolved))) or 0


def open_problem(session: Session, cycle_id: int) -> Problem | None:
    """Why a sign-off of the cycle is refused for its open findings, or None."""
    count = open_count(session, cycle_id)
    if not count:
        return None
    return Problem(f"cycle {cycle_id} has {count} open finding{'s' if count != 1 else ''} of the cross-checks "
                   f"(数据比对): list them with `aidledger match findings --cycle {cycle_id}` and resolve each "
                   "(`aidledger match resolve FINDING_ID --confirm|--dismiss --reason TEXT`) before signing",
                   "match.open_findings", entity=f"cycle {cycle_id}", figures=(("open", str(count)),))


def notes_by_household(session: Session, cycle_id: int) -> dict[str, list[str]]:
    """household → the register's 备注 of its current findings (数据比对: 县殡仪馆火化名单 2022-03-01 已排除)."""
    notes: dict[str, list[str]] = defaultdict(list)
    for view in _views(session, list(session.scalars(select(MatchFinding).where(MatchFinding.cycle_id == cycle_id)
                                                     .order_by(MatchFinding.id))), reader=None, as_json=False):
        if view.current:
            notes[view.household_id].append(view.note())
    return dict(notes)


def year_findings(session: Session, county: str, year: int, *, reader: str | None) -> list[FindingView]:
    """The findings of the county's cycles of `year` (cancelled cycles left out) found by each cycle's latest run,
    with their resolutions: the audit pack's section."""
    rows = list(session.scalars(
        select(MatchFinding).join(Cycle, Cycle.id == MatchFinding.cycle_id)
        .where(Cycle.jurisdiction_code == county, Cycle.status != "cancelled",
               Cycle.month >= f"{year:04d}-01", Cycle.month <= f"{year:04d}-12")
        .order_by(Cycle.month, MatchFinding.id)))
    return [v for v in _views(session, rows, reader=reader, as_json=False) if v.current]


# ---- resolving a finding -------------------------------------------------------------------------


def finding_cycle(session: Session, finding_id: int) -> int:
    """The cycle a finding was raised on; refused when there is no such finding."""
    cycle_id = session.scalar(select(MatchFinding.cycle_id).where(MatchFinding.id == finding_id))
    if cycle_id is None:
        raise Refusal(f"没有编号为 {finding_id} 的数据比对发现 (no finding {finding_id})")
    return cycle_id



def resolve(session: Session, finding_id: int, action: str, reason: str, *, user: str | None, now: datetime,
            on: date | None = None) -> FindingView:
    """An approver's decision on a finding of a draft, found by its latest run, once: confirmed holds the line."""
    approver = require_role(session, user, "approver", action="resolve cross-check findings")
    if action not in (MatchResolution.CONFIRMED, MatchResolution.DISMISSED):
        raise Refusal(f"a finding is confirmed or dismissed, not {action!r}")
    reason = reason.strip()
    if not reason:
        raise Refusal(Problem("a resolution needs its reason (what was checked, with whom)", "match.reason",
                              field="reason"))
    lock_books(session)  # against a sign-off or a re-run at the same moment
    finding = session.get(MatchFinding, finding_id)
    if finding is None:
        raise Refusal(f"no finding {finding_id}")
    cycle = session.get(Cycle, finding.cycle_id)
    assert cycle is not None
    require_whole(session, approver.name, cycle.jurisdiction_code,
                  what=f"cycle {cycle.id} of {cycle.jurisdiction_code}")
    done = session.get(MatchResolutionRow, finding_id)
    if done is not None:
        raise Refusal(f"finding {finding_id} was already {done.action} by {done.user_name} on {done.on}: a finding "
                      "is resolved once")
    if cycle.status != "draft":
        raise Refusal(f"finding {finding_id} belongs to cycle {cycle.id}, which is {cycle.status}: only a draft's "
                      "findings are resolved")
    run = latest_run(session, cycle.id)
    if session.get(MatchSighting, (finding_id, run)) is None:
        raise Refusal(f"finding {finding_id} was not found by the latest run of cycle {cycle.id} (the registry or the "
                      "lists changed since): nothing to resolve")
    user_row = standing(session, approver.name)
    session.add(MatchResolutionRow(finding_id=finding_id, action=action, reason=reason, user_name=approver.name,
                                   display_name=user_row.display_name if user_row else approver.name,
                                   on=on or now.date(), at=now))
    session.flush()
    if action == MatchResolution.CONFIRMED:
        hold_line(session, cycle, finding.household_id, held_reason(finding))
    return _views(session, [finding], reader=user, as_json=False)[0]


def confirmed_holds(session: Session) -> set[tuple[int, str]]:
    """(cycle, household) of every line held on a confirmed finding: a later cycle does not release it as arrears
    (the month was not owed as it was computed; the registry event corrects the months after)."""
    rows = session.execute(
        select(MatchFinding.cycle_id, MatchFinding.household_id)
        .join(MatchResolutionRow, MatchResolutionRow.finding_id == MatchFinding.id)
        .where(MatchResolutionRow.action == MatchResolution.CONFIRMED))
    return {(c, h) for c, h in rows}

