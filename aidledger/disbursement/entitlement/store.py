"""Reading a county's month from the database: the registry as three merged streams, the previous tracks.

The registry is read as three streams ordered by household id (households, members, events) and merged, so
memory stays flat for a million households; entitlement/compute.py computes each one.
"""

from __future__ import annotations

import heapq
import json
from collections.abc import Iterator
from dataclasses import fields

from sqlalchemy import select
from sqlalchemy.orm import Session

from aidledger.disbursement.payments.tables import Cycle, CycleHeld, CycleLine, CycleTrack
from aidledger.disbursement.registry.records import Household, Member, record_builder
from aidledger.disbursement.registry.state import StoredHousehold
from aidledger.disbursement.registry.store import EVENT_COLUMNS, event_record, late_changes
from aidledger.disbursement.registry.tables import EventRow, HouseholdRow, MemberRow
from aidledger.disbursement.rules import DibaoTrack
from aidledger.disbursement.rules.facts import first_day

_STREAM = 10_000


def binary(column, session: Session):
    """Order by code point, as Python compares strings: the streams are merged in Python."""
    return column.collate("C" if session.get_bind().dialect.name == "postgresql" else "BINARY")


# The registry's columns in the order of the records' fields: a streamed row fills a record directly.
_HOUSEHOLD_COLUMNS = {
    "household_id": HouseholdRow.household_id, "county": HouseholdRow.county_code, "township": HouseholdRow.township,
    "area": HouseholdRow.area, "program": HouseholdRow.program, "monthly_income": HouseholdRow.monthly_income,
    "approved_on": HouseholdRow.approved_on, "tier": HouseholdRow.tier, "income_type": HouseholdRow.income_type,
    "tekun_setting": HouseholdRow.tekun_setting, "payee_name": HouseholdRow.payee_name,
    "bank_account": HouseholdRow.bank_account, "shared_account": HouseholdRow.shared_account,
    "line": HouseholdRow.source_line,
}
_MEMBER_COLUMNS = {
    "household_id": MemberRow.household_id, "id_number": MemberRow.id_number, "name": MemberRow.name,
    "relation": MemberRow.relation, "birth_date": MemberRow.birth_date,
    "disability_grade": MemberRow.disability_grade, "disability_kind": MemberRow.disability_kind,
    "flags": MemberRow.flags, "care_level": MemberRow.care_level, "single_person": MemberRow.single_person,
    "death_date": MemberRow.death_date, "line": MemberRow.source_line,
}
assert tuple(_HOUSEHOLD_COLUMNS) == tuple(f.name for f in fields(Household))
assert tuple(_MEMBER_COLUMNS) == tuple(f.name for f in fields(Member))
_FLAGS = tuple(_MEMBER_COLUMNS).index("flags")


_household, _member = record_builder(Household), record_builder(Member)
_stored = record_builder(StoredHousehold)


def stream_county(session: Session, county: str, part: tuple[str | None, str | None] | None = None
                  ) -> Iterator[StoredHousehold]:
    """Every household of the county with its members and events, in household-id order.

    Read with Core (rows, not ORM entities), streamed in batches of _STREAM rows. With
    `part` = (low, high), only the household ids from low (inclusive) to high (exclusive) in
    the column's own order, None being open (a share of a parallel run, entitlement/workers.py): the
    ranges use the primary key and the members' and events' household-id indexes, and the
    county is checked here instead, skipping the other counties' rows the range holds.
    """
    h, m, e = HouseholdRow, MemberRow, EventRow
    connection = session.connection()

    def rows(statement) -> Iterator:
        return connection.execute(statement, execution_options={"yield_per": _STREAM})

    households = select(*_HOUSEHOLD_COLUMNS.values()).order_by(binary(h.household_id, session))
    members = select(*_MEMBER_COLUMNS.values()).order_by(binary(m.household_id, session), m.source_line)
    events = select(*EVENT_COLUMNS).order_by(
        binary(e.household_id, session), e.date, e.id)
    if part is None:
        households = households.where(h.county_code == county)
        members = members.join(h, h.household_id == m.household_id).where(h.county_code == county)
        events = events.join(h, h.household_id == e.household_id).where(h.county_code == county)
    else:
        households, members, events = (_in_part(households, h.household_id, part),
                                       _in_part(members, m.household_id, part), _in_part(events, e.household_id, part))
    households, members, events = rows(households), rows(members), rows(events)
    next_member, next_event = next(members, None), next(events, None)
    for row in households:
        if row[1] != county:  # only with `part`: a household of another county in the range
            continue
        household = _household(row)
        household_id = household.household_id
        people = []
        while next_member is not None and next_member[0] < household_id:  # another county's
            next_member = next(members, None)
        while next_member is not None and next_member[0] == household_id:
            person = _member(next_member)
            flags = next_member[_FLAGS]
            person.__dict__["flags"] = tuple(f for f in flags.split(";") if f) if flags else ()
            people.append(person)
            next_member = next(members, None)
        changes = []
        while next_event is not None and next_event[0] < household_id:
            next_event = next(events, None)
        while next_event is not None and next_event[0] == household_id:
            changes.append(event_record(next_event))
            next_event = next(events, None)
        yield _stored((household, tuple(people), tuple(changes)))


def _in_part(statement, column, part: tuple[str | None, str | None]):
    low, high = part
    if low is not None:
        statement = statement.where(column >= low)
    if high is not None:
        statement = statement.where(column < high)
    return statement


def previous_tracks(session: Session, cycle_id: int, part: tuple[str | None, str | None] | None = None
                    ) -> Iterator[tuple[str, DibaoTrack]]:
    """(household, track) of a cycle, paid and unpaid, in household-id order (within `part`, as stream_county).

    Leaves out the households with registry events recorded after that cycle was run and dated
    on or before its month's first day: their track may have changed (a death or an income
    recorded late), so the next month walks them from approval instead.
    """
    lines = select(CycleLine.household_id, CycleLine.track_status, CycleLine.exit_month, CycleLine.exit_base,
                   CycleLine.dibao_amount).where(CycleLine.cycle_id == cycle_id)
    held = select(CycleHeld.household_id, CycleHeld.track_status, CycleHeld.exit_month, CycleHeld.exit_base,
                  CycleHeld.dibao_amount).where(CycleHeld.cycle_id == cycle_id)
    tracks = select(CycleTrack.household_id, CycleTrack.track_status).where(CycleTrack.cycle_id == cycle_id)
    if part is not None:
        lines, tracks = _in_part(lines, CycleLine.household_id, part), _in_part(tracks, CycleTrack.household_id, part)
        held = _in_part(held, CycleHeld.household_id, part)
    lines = session.execute(lines.order_by(binary(CycleLine.household_id, session))
                            .execution_options(yield_per=_STREAM))
    held = session.execute(held.order_by(binary(CycleHeld.household_id, session)))
    tracks = session.execute(tracks.order_by(binary(CycleTrack.household_id, session)))
    paid = ((hid, DibaoTrack(status, exit_month, exit_base, amount))
            for hid, status, exit_month, exit_base, amount in lines)
    kept = ((hid, DibaoTrack(status, exit_month, exit_base, amount))  # held: computed, as if paid
            for hid, status, exit_month, exit_base, amount in held)
    unpaid = ((hid, DibaoTrack(status)) for hid, status in tracks)
    merged = heapq.merge(paid, kept, unpaid, key=lambda pair: pair[0])
    changed = _changed_since(session, cycle_id)
    return (pair for pair in merged if pair[0] not in changed) if changed else merged


def _changed_since(session: Session, cycle_id: int) -> set[str]:
    cycle = session.get(Cycle, cycle_id)
    watermark = json.loads(cycle.inputs).get("registry_event_max") or 0
    return {household_id for household_id, _ in late_changes(session, cycle.jurisdiction_code, watermark,
                                                              first_day(cycle.month))}
