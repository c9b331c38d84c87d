"""What `registry show` shows a reader: a household and its members as of a day, numbers already masked.

Pure. The service builds the view for one reader (`users.personal_numbers` decides how id numbers and bank
accounts are shown); `as_dict()` is the `--json` output.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal


@dataclass(frozen=True, slots=True)
class MemberView:
    id_number: str  # as shown
    name: str
    relation: str
    birth_date: str  # the date, or its year alone beside a masked id number (users.birth_dates)
    disability_grade: int | None
    disability_kind: str | None
    flags: tuple[str, ...]
    care_level: str | None
    single_person: bool
    death_date: date | None

    def as_dict(self) -> dict[str, object]:
        return {"id_number": self.id_number, "name": self.name, "relation": self.relation,
                "birth_date": self.birth_date, "disability_grade": self.disability_grade,
                "disability_kind": self.disability_kind, "flags": list(self.flags), "care_level": self.care_level,
                "single_person": self.single_person, "death_date": self.death_date}


@dataclass(frozen=True, slots=True)
class EventView:
    date: str  # YYYY-MM-DD, or the year alone where it is a masked person's birthday (service.shown_day)
    kind: str
    value: str | None  # a corrected account (kind bank_account) as shown, like the household's
    id_number: str | None  # as shown

    def as_dict(self) -> dict[str, object]:
        return {"date": self.date, "kind": self.kind, "value": self.value, "id_number": self.id_number}


@dataclass(frozen=True, slots=True)
class HouseholdView:
    """A household as it stood on `as_of`, with the events up to that day."""

    household_id: str
    as_of: date
    county: str
    township: str
    township_name: str
    area: str
    program: str
    monthly_income: Decimal | None
    approved_on: date
    tier: str | None
    income_type: str | None
    tekun_setting: str | None
    payee_name: str
    bank_account: str  # as shown
    terminated_on: date | None
    members: tuple[MemberView, ...]
    events: tuple[EventView, ...]

    def as_dict(self) -> dict[str, object]:
        return {
            "household_id": self.household_id, "as_of": self.as_of, "county": self.county,
            "township": self.township, "township_name": self.township_name, "area": self.area,
            "program": self.program, "monthly_income": self.monthly_income, "approved_on": self.approved_on,
            "tier": self.tier, "income_type": self.income_type, "tekun_setting": self.tekun_setting,
            "payee_name": self.payee_name, "bank_account": self.bank_account, "terminated_on": self.terminated_on,
            "members": [m.as_dict() for m in self.members], "events": [e.as_dict() for e in self.events],
        }


@dataclass(frozen=True, slots=True)
class RecordedEvent:
    """One event as the registry recorded it: its id, what it says, and who recorded it from which file."""

    id: int
    date: str  # as EventView's
    kind: str
    value: str | None  # a corrected account as shown, like the household's
    id_number: str | None  # as shown
    recorded_by: str
    recorded_at: datetime
    source: str  # the file it came from (events.csv, …) or the command (registry account)
    voided: bool  # a later void event voids it: the registry is, for every day, as if it had never been recorded
    reason: str | None = None  # why a void voids
    details: tuple[tuple[str, str], ...] = ()  # the kind's other columns, numbers and birth dates as shown

    def as_dict(self) -> dict[str, object]:
        return {"id": self.id, "date": self.date, "kind": self.kind, "value": self.value,
                "id_number": self.id_number, "recorded_by": self.recorded_by, "recorded_at": self.recorded_at,
                "source": self.source, "voided": self.voided, "reason": self.reason, "details": dict(self.details)}


@dataclass(frozen=True, slots=True)
class HistoryView:
    """A household's whole history: when and by whom it was loaded, then every event in date order."""

    household_id: str
    loaded_by: str
    loaded_at: datetime
    loaded_from: str
    events: tuple[RecordedEvent, ...]

    def as_dict(self) -> dict[str, object]:
        return {"household_id": self.household_id, "loaded_by": self.loaded_by, "loaded_at": self.loaded_at,
                "loaded_from": self.loaded_from, "events": [e.as_dict() for e in self.events]}


@dataclass(frozen=True, slots=True)
class ListedHousehold:
    """One household of `registry list`, as it stood on the list's day; numbers as shown."""

    household_id: str
    township: str
    area: str
    program: str
    status: str  # active | terminated | not_yet (approved after the day)
    head_name: str
    head_id_number: str
    members: int  # living on the day
    payee_name: str
    bank_account: str
    monthly_income: Decimal | None

    def as_dict(self) -> dict[str, object]:
        return {"household_id": self.household_id, "township": self.township, "area": self.area,
                "program": self.program, "status": self.status, "head_name": self.head_name,
                "head_id_number": self.head_id_number, "members": self.members, "payee_name": self.payee_name,
                "bank_account": self.bank_account, "monthly_income": self.monthly_income}


@dataclass(frozen=True, slots=True)
class HouseholdList:
    jurisdiction: str
    on: date
    households: tuple[ListedHousehold, ...]

    def as_dict(self) -> dict[str, object]:
        return {"jurisdiction": self.jurisdiction, "on": self.on,
                "households": [h.as_dict() for h in self.households]}
