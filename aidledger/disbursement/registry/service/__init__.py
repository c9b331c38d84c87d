"""The registry's business actions as users invoke them: roles checked, views for display, reviews."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from datetime import date, datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from aidledger.auth.scope import contains, township_of, within
from aidledger.disbursement.registry import store as registry_store
from aidledger.disbursement.registry.changes import check_events
from aidledger.disbursement.registry.records import Event
from aidledger.disbursement.registry.sheets import NotAccepted, file_kind, sheet_rows
from aidledger.disbursement.registry.store import (  # noqa: F401
    ImportOutcome,
    StoredHousehold,
    count_households,
    load_household,
    load_households,
)
from aidledger.disbursement.registry.tables import EventRow, HouseholdRow, MemberRow, RegistryImport
from aidledger.disbursement.registry.views import (
    EventView,
    HistoryView,
    HouseholdList,
    HouseholdView,
    ListedHousehold,
    MemberView,
    RecordedEvent,
)
from aidledger.errors import Refusal
from aidledger.idcard import birth_date_from_id
from aidledger.ledger.service.accounts import require_jurisdiction
from aidledger.ledger.tables import Jurisdiction
from aidledger.masking import mask
from aidledger.policy.tables import Township
from aidledger.users import birth_dates, personal_numbers, require_role, require_within, scope_of

from .imports import import_events, import_registry  # noqa: F401
from .reviews import ReviewDue, next_review, record_review, reviews_due  # noqa: F401


def correct_bank_account(session: Session, household_id: str, account: str, on: date, *, user,
                         now: datetime) -> None:
    """Record a corrected receiving account from a day on (e.g. after a bank return), as a dated event."""
    require_role(session, user, "preparer", action="correct bank accounts")
    stored = load_household(session, household_id)
    problems = []
    if not (account.isdigit() and 10 <= len(account) <= 30):
        problems.append(f"bank account {account!r} must be 10–30 digits")
    if on < stored.household.approved_on:
        problems.append(f"date {on} is before the household's approval on {stored.household.approved_on}")
    if problems:
        raise Refusal(problems)
    if stored.on(on).household.bank_account == account:
        raise Refusal(f"household {household_id} already has account {mask(account)} on {on}")
    # The same checks as an events file's (one account, one household; the household in force that day).
    checked = check_events([Event(household_id, "bank_account", on, account, None, line=1)],
                           registry_store.DatabaseContext(session), "registry account")
    if checked.problems:
        raise Refusal([p.reason for p in checked.problems])
    registry_import = RegistryImport(kind="command", sources="registry account", digest=f"account:{household_id}",
                                     loaded_by=user, loaded_at=now)
    session.add(registry_import)
    session.flush()
    session.add(EventRow(household_id=household_id, kind="bank_account", date=on, value=account, id_number=None,
                         import_id=registry_import.id, source_line=0))
    session.flush()


def estimate_rows(*paths: str) -> int:
    """A cheap row estimate for the progress bar: bytes / 80 for a text file; for a workbook, twice the rows its
    sheets declare (written out as CSV, then read). A path named twice (one workbook) counts once."""
    total = 0
    for path in dict.fromkeys(paths):
        try:
            if file_kind(Path(path)) == "xlsx":
                total += 2 * sheet_rows(Path(path))
            else:
                total += os.path.getsize(path) // 80
        except (OSError, NotAccepted):
            pass
    return total


def household_township(session: Session, household_id: str, *, reader: str | None = None) -> str:
    """The township a household was registered in (what a user's scope is judged on), or a refusal. With a
    `reader`, also a refusal when the household lies outside that user's scope: a township's clerk reads only the
    households registered in that township, a county's, city's or province's users those below it; readers who
    named no user and users without a scope read every household. Unknown households are refused first."""
    household = session.get(HouseholdRow, household_id)
    if household is None:
        raise Refusal(f"household {household_id} is not in the registry")
    require_within(session, reader, household.township, what=f"household {household_id}")
    return household.township


def households_in(session: Session, township: str, household_ids: Iterable[str]) -> list[str]:
    """Which of the households are registered in `township` (what a township clerk's scope is judged on)."""
    ids = sorted(set(household_ids))
    found: list[str] = []
    for start in range(0, len(ids), 500):
        found += session.scalars(select(HouseholdRow.household_id).where(
            HouseholdRow.household_id.in_(ids[start:start + 500]), HouseholdRow.township == township))
    return found


def household_view(session: Session, household_id: str, day: date, *, reader: str | None,
                   as_json: bool = False) -> HouseholdView:
    """The household as of `day`; id numbers and accounts in full only in --json for roles that may see them.
    Refused for a reader whose scope does not hold the household's township."""
    household_township(session, household_id, reader=reader)
    stored = load_household(session, household_id)
    township = session.get(Township, stored.household.township)
    shown = personal_numbers(session, reader, as_json=as_json)
    born = birth_dates(session, reader, as_json=as_json)
    state = stored.on(day)
    h = state.household
    return HouseholdView(
        h.household_id, state.day, h.county, h.township, township.name if township else "", h.area, h.program,
        h.monthly_income, h.approved_on, h.tier, h.income_type, h.tekun_setting, h.payee_name,
        shown(h.bank_account), state.terminated_on,
        tuple(MemberView(shown(m.id_number), m.name, m.relation, born(m.birth_date), m.disability_grade,
                         m.disability_kind, tuple(m.flags), m.care_level, m.single_person, m.death_date)
              for m in state.members),
        tuple(_event_view(e, shown, born) for e in stored.events if e.date <= state.day))


ACCOUNT_EVENTS = ("bank_account", "payee")  # their value is an account, masked as the household's is


def _event_view(event: Event, shown: Callable[[str], str], born: Callable[[date], str]) -> EventView:
    value = None if event.value is None else str(event.value)
    if value is not None and event.kind in ACCOUNT_EVENTS:
        value = shown(value)
    return EventView(shown_day(event.id_number, event.date, born), event.kind, value,
                     shown(event.id_number) if event.id_number else None)


def shown_day(id_number: str | None, day: date, born: Callable[[date], str]) -> str:
    """An event's date as the reader may see it: in full, unless it is its person's birthday (a birth recorded on
    the day), which is shown as a birth date is (the year, beside a masked id number, which it would fill in)."""
    if id_number is not None and birth_date_from_id(id_number) == day:
        return born(day)
    return day.isoformat()


def shown_details(details: tuple[tuple[str, str], ...], born: Callable[[date], str]) -> tuple[tuple[str, str], ...]:
    """An event's other columns for a reader: a new member's birth date as `born` shows it (beside a masked id
    number, the full date would rebuild it)."""
    return tuple((name, born(date.fromisoformat(text)) if name == "birth_date" and text else text)
                 for name, text in details)


LIST_STATUSES = ("active", "suspended", "terminated", "not_yet")  # labels.STANDING_NAMES says them in Chinese


def household_list(session: Session, county: str, day: date, *, reader: str | None, as_json: bool = False,
                   township: str | None = None, program: str | None = None, status: str | None = None,
                   search: str | None = None) -> HouseholdList:
    """`registry list`: the county's households as they stood on `day`, filtered; `search` finds a household by
    its id or a name (payee or member) containing the text (taken literally: `%` and `_` are no wildcards), or by
    a member's full id number.

    A reader's scope limits the list: a township's clerk sees the households registered in that township only
    (a `township` filter naming another is refused); a reader whose scope neither holds the county nor lies inside
    it is refused."""
    require_jurisdiction(session, county)
    require_within(session, reader, county, what=f"jurisdiction {county}")
    own = township_of(scope_of(session, reader))
    if own is not None and township is not None and township != own:
        raise Refusal(f"township {township} lies outside the scope {own} of user {reader!r}")
    # The township and programme are the day's (events change them), so they are judged on the state below.
    ids = select(HouseholdRow.household_id).where(HouseholdRow.county_code == county)
    if own is not None:
        ids = ids.where(HouseholdRow.township == own)  # the registered township, as household_view judges it
    if search:
        by_member = select(MemberRow.household_id).where(MemberRow.name.contains(search, autoescape=True)
                                                         | (MemberRow.id_number == search))
        ids = ids.where(HouseholdRow.household_id.contains(search, autoescape=True)
                        | HouseholdRow.payee_name.contains(search, autoescape=True)
                        | HouseholdRow.household_id.in_(by_member))
    shown = personal_numbers(session, reader, as_json=as_json)
    listed = []
    for household_id, stored in sorted(load_households(session, session.scalars(ids)).items()):
        state = stored.on(day)
        h = state.household
        standing = ("not_yet" if h.approved_on > day else "terminated" if state.terminated_on is not None else
                    "suspended" if state.suspended is not None else "active")
        if (status is not None and standing != status or township is not None and h.township != township
                or program is not None and h.program != program):
            continue
        head = next((m for m in state.members if m.relation == "head"), (state.members or stored.members)[0])
        living = sum(1 for m in state.members if m.death_date is None or m.death_date >= day)
        listed.append(ListedHousehold(household_id, h.township, h.area, h.program, standing, head.name,
                                      shown(head.id_number), living, h.payee_name, shown(h.bank_account),
                                      h.monthly_income))
    return HouseholdList(county, day, tuple(listed))


def household_history(session: Session, household_id: str, *, reader: str | None,
                      as_json: bool = False) -> HistoryView:
    """`registry history`: the household's load and every event recorded for it, in date order (then as recorded),
    each with its id and who recorded it from which file; numbers shown as `household_view` shows them. Refused
    for a reader whose scope does not hold the household's township."""
    household_township(session, household_id, reader=reader)
    household = session.get(HouseholdRow, household_id)
    assert household is not None
    shown = personal_numbers(session, reader, as_json=as_json)
    born = birth_dates(session, reader, as_json=as_json)
    loaded = session.get(RegistryImport, household.import_id)
    rows = session.execute(
        select(EventRow, RegistryImport).join(RegistryImport, RegistryImport.id == EventRow.import_id)
        .where(EventRow.household_id == household_id).order_by(EventRow.date, EventRow.id)).all()
    voided = {int(event.value) for event, _ in rows if event.kind == "void" and event.value}
    events = tuple(
        RecordedEvent(event.id, shown_day(event.id_number, event.date, born), event.kind,
                      shown(event.value) if event.kind in ACCOUNT_EVENTS and event.value else event.value,
                      shown(event.id_number) if event.id_number else None, recorded.loaded_by, recorded.loaded_at,
                      recorded.sources, voided=event.id in voided, reason=event.reason,
                      details=shown_details(registry_store.event_record(event).details, born))
        for event, recorded in rows)
    return HistoryView(household_id, loaded.loaded_by, loaded.loaded_at, loaded.sources, events)


def registry_counties(session: Session, *, reader: str | None = None) -> tuple[tuple[str, str], ...]:
    """(code, name) of the counties whose registry holds households, in code order; with a `reader`, those the
    reader's scope holds or lies inside (a township's clerk: the township's county)."""
    scope = scope_of(session, reader)
    rows = session.execute(
        select(HouseholdRow.county_code, Jurisdiction.name).distinct()
        .join(Jurisdiction, Jurisdiction.code == HouseholdRow.county_code).order_by(HouseholdRow.county_code)).all()
    return tuple((code, name) for code, name in rows if within(scope, code) or contains(code, scope))
