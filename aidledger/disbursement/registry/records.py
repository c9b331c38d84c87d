"""The beneficiary registry as plain immutable records: households, members, events.

Pure. One record per valid row of households.csv, members.csv and events.csv
(see the registry file format in the spec). The vocabularies of the files are here too, as
tuples of plain strings taken from codes.py, so the readers, the checks, the benefit rules and
the tables' CHECK constraints share one spelling.

Each record carries the physical `line` of the file it came from (not part of equality):
cross-row checks name it in their problems, and it tells an operator where a stored value
came from.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, fields
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, TypeVar

from aidledger.codes import (
    Area,
    CareLevel,
    DisabilityKind,
    EventKind,
    IncomeType,
    MemberFlag,
    Program,
    Relation,
    TekunSetting,
    values,
)

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

R = TypeVar("R", bound="DataclassInstance")  # a record type a builder makes

# The files' words as plain strings (codes.py states each set once).
AREAS = values(Area)
PROGRAMS = values(Program)  # 低保, 特困, 低收入
INCOME_TYPES = values(IncomeType)  # decides the review (核查) cadence
TEKUN_SETTINGS = values(TekunSetting)  # 分散供养, 集中供养
RELATIONS = values(Relation)
DISABILITY_KINDS = values(DisabilityKind)
DISABILITY_GRADES = (1, 2, 3, 4)  # 1 the most severe
FLAGS = values(MemberFlag)
CARE_LEVELS = values(CareLevel)  # 全自理, 半护理, 全护理
# The kinds events.csv may hold: every kind but the two the application records itself.
EVENT_KINDS = tuple(kind for kind in values(EventKind) if kind not in (EventKind.BANK_ACCOUNT, EventKind.MEMBER_JOINED))
MEMBER_EVENTS = ("death", "remove_member", "move_member", "head", "disability", "flags", "single_person", "care_level")


@dataclass(frozen=True)
class Household:
    """One household (户) receiving 低保, 特困 or 低收入 support."""

    household_id: str
    county: str  # 6-digit code of the county whose policy applies
    township: str  # 9-digit code, starts with the county code
    area: str  # AREAS
    program: str  # PROGRAMS
    monthly_income: Decimal | None  # yuan; required for dibao and low_income
    approved_on: date
    tier: str | None  # a tier name of the county's dibao.tier_ratio, checked against the policy later
    income_type: str | None  # INCOME_TYPES; required for dibao
    tekun_setting: str | None  # TEKUN_SETTINGS; required for tekun
    payee_name: str  # the institution for centralized 特困
    bank_account: str  # 10–30 digits
    shared_account: bool = False  # the account is knowingly paid for more than one household (an institution)
    line: int = field(default=0, compare=False)


@dataclass(frozen=True)
class Member:
    """One person of a household, identified by their 居民身份证号码."""

    household_id: str
    id_number: str  # normalized: 18 characters, check character upper case
    name: str
    relation: str  # RELATIONS
    birth_date: date  # the date inside the id number
    disability_grade: int | None  # DISABILITY_GRADES
    disability_kind: str | None  # DISABILITY_KINDS; given exactly when a grade is
    flags: tuple[str, ...]  # FLAGS, in file order, each once
    care_level: str | None  # CARE_LEVELS; required for members of tekun households
    single_person: bool  # covered as 单人户 of a low-income family
    death_date: date | None
    line: int = field(default=0, compare=False)


@dataclass(frozen=True)
class Event:
    """A dated change to a stored household: the registry is never edited in place.

    `value` is what the kind changes to: a `Decimal` for `income`, the word or code for the
    kinds that set one (`tier`, `care_level`, `area`, `program` …), the other household's id
    for `move_member` (and, on the receiving side, `member_joined`), the new account for
    `payee` and `bank_account`, the id of the voided event for `void`, the reason for
    `suspend` and `terminate`; None for the rest. `id_number` names the person for the
    member events (MEMBER_EVENTS, `add_member`, `member_joined`). `details` holds the other
    columns the kind uses, as (column, text) pairs in the file's spelling: a new member's
    columns, the payee's name, a programme's terms. `event_id` is the stored row's id (0
    before it is stored); `reason` says why an event was voided.
    """

    household_id: str
    kind: str  # EVENT_KINDS, `bank_account` or `member_joined`
    date: date
    value: Decimal | str | None
    id_number: str | None
    reason: str | None = None
    details: tuple[tuple[str, str], ...] = ()
    event_id: int = field(default=0, compare=False)
    line: int = field(default=0, compare=False)

    def detail(self, column: str) -> str:
        """The text of one of `details` ('' when the row left it empty)."""
        for name, text in self.details:
            if name == column:
                return text
        return ""


def record_builder(cls: type[R]) -> Callable[[Iterable[object]], R]:
    """A builder of `cls` records from values in field order, for the stream's million rows.

    The records are frozen dataclasses; their generated __init__ sets each field through
    object.__setattr__, which costs more than the rest of reading a row. Filling the new
    instance's __dict__ at once gives the same record (same fields, equality, hash), faster.
    """
    names = tuple(f.name for f in fields(cls))
    new = object.__new__

    def build(values: Iterable[object]) -> R:
        record = new(cls)
        record.__dict__.update(zip(names, values))
        return record

    return build
