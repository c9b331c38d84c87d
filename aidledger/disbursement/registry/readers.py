"""Streaming readers of households.csv, members.csv and events.csv.

Pure. Each reader yields, in file order, a record for every good row and one `Problem`
per bad cell of every bad row (a bad row yields no record). Nothing is kept between rows:
the checks that span rows live in `validation.py` (and, for events, `changes.py`), and the checks that need the stored
registry or a county's policy come through a `RegistryContext` there.

"Now" is a parameter: `today` bounds birth dates, death dates and approval dates, which
record the past. Event dates may lie ahead: a decision can take effect later.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import date
from decimal import Decimal

from aidledger.idcard import birth_date_from_id, id_number_problem, normalize_id_number
from aidledger.problems import Problem

from .csv_source import Columns, Row, read_rows
from .fields import Cells, shown
from .records import (
    AREAS,
    CARE_LEVELS,
    DISABILITY_GRADES,
    DISABILITY_KINDS,
    EVENT_KINDS,
    FLAGS,
    INCOME_TYPES,
    PROGRAMS,
    RELATIONS,
    TEKUN_SETTINGS,
    Event,
    Household,
    Member,
)

HOUSEHOLD_COLUMNS = Columns(
    required=("household_id", "county", "township", "area", "program", "approved_on", "payee_name", "bank_account"),
    optional=("monthly_income", "tier", "income_type", "tekun_setting", "shared_account"),
)
MEMBER_COLUMNS = Columns(
    required=("household_id", "id_number", "name", "relation"),
    optional=(
        "birth_date",
        "disability_grade",
        "disability_kind",
        "flags",
        "care_level",
        "single_person",
        "death_date",
    ),
)
MEMBER_DETAILS = ("name", "relation", "birth_date", "disability_grade", "disability_kind", "flags", "care_level",
                  "single_person")
PAYEE_DETAILS = ("payee_name", "bank_account", "shared_account")
PROGRAM_TERMS = ("monthly_income", "income_type", "tekun_setting", "tier")
EVENT_COLUMNS = Columns(
    required=("household_id", "kind", "date"),
    optional=("value", "id_number", "reason") + MEMBER_DETAILS + PAYEE_DETAILS + PROGRAM_TERMS,
)

REQUIRED = "a value is required"

# The columns each kind of event uses besides household_id, kind and date (registry-format.md, "Changes after
# loading"); every other column of the row must be empty.
EVENT_USES: dict[str, tuple[str, ...]] = {
    "income": ("value",),
    "income_type": ("value",),
    "tier": ("value",),
    "death": ("id_number",),
    "add_member": ("id_number",) + MEMBER_DETAILS,
    "remove_member": ("id_number",),
    "move_member": ("id_number", "value"),
    "head": ("id_number",),
    "disability": ("id_number", "disability_grade", "disability_kind"),
    "flags": ("id_number", "flags"),
    "single_person": ("id_number", "value"),
    "care_level": ("id_number", "value"),
    "payee": PAYEE_DETAILS,
    "township": ("value",),
    "area": ("value",),
    "program": ("value",) + PROGRAM_TERMS,
    "tekun_setting": ("value",),
    "suspend": ("value",),
    "resume": (),
    "terminate": ("value",),
    "reapprove": (),
    "void": ("value", "reason"),
}
# The terms each programme requires of a household (the households file's rules), and those it may have.
PROGRAM_REQUIRES = {"dibao": ("monthly_income", "income_type"), "low_income": ("monthly_income",),
                    "tekun": ("tekun_setting",)}
PROGRAM_ALLOWS = {"dibao": ("monthly_income", "income_type", "tier"), "low_income": ("monthly_income", "income_type"),
                  "tekun": ("tekun_setting",)}
YES_NO = ("yes", "no")

def read_households(lines: Iterable[str], source: str, *, today: date) -> Iterator[Household | Problem]:
    """The households of a households.csv, one at a time, with the problems of bad rows."""
    for row in read_rows(lines, source, HOUSEHOLD_COLUMNS):
        if isinstance(row, Problem):
            yield row
        else:
            yield from household_from_row(row, source, today)


def read_members(lines: Iterable[str], source: str, *, today: date) -> Iterator[Member | Problem]:
    """The members of a members.csv, one at a time, with the problems of bad rows."""
    for row in read_rows(lines, source, MEMBER_COLUMNS):
        if isinstance(row, Problem):
            yield row
        else:
            yield from member_from_row(row, source, today)


def read_events(lines: Iterable[str], source: str, *, today: date) -> Iterator[Event | Problem]:
    """The events of an events.csv, one at a time, with the problems of bad rows."""
    for row in read_rows(lines, source, EVENT_COLUMNS):
        if isinstance(row, Problem):
            yield row
        else:
            yield from event_from_row(row, source, today)


def household_from_row(row: Row, source: str, today: date) -> list[Household] | list[Problem]:
    """One households.csv row as a Household, or its problems."""
    cells = Cells(source, row.line, row.values)
    household_id = cells.household_id = cells.text("household_id", REQUIRED)
    county = cells.digits("county", range(6, 7), REQUIRED)
    township = cells.digits("township", range(9, 10), REQUIRED)
    if county and township and not township.startswith(county):
        cells.refuse("township", f"{township} does not start with the county code {county}")
    area = cells.choice("area", AREAS, REQUIRED)
    program = cells.choice("program", PROGRAMS, REQUIRED)
    monthly_income = cells.amount(
        "monthly_income", "required for dibao and low_income households" if program in ("dibao", "low_income") else None
    )
    approved_on = cells.date("approved_on", REQUIRED)
    if approved_on and approved_on > today:
        cells.refuse("approved_on", f"{approved_on} is after today ({today}); an approval is a past decision")
    tier = cells.text("tier")
    income_type = cells.choice(
        "income_type", INCOME_TYPES, "required for dibao households" if program == "dibao" else None
    )
    tekun_setting = cells.choice(
        "tekun_setting", TEKUN_SETTINGS, "required for tekun households" if program == "tekun" else None
    )
    if tekun_setting and program and program != "tekun":
        cells.refuse("tekun_setting", f"applies only to tekun households; this one is {program}")
    payee_name = cells.text("payee_name", REQUIRED)
    bank_account = cells.digits("bank_account", range(10, 31), REQUIRED)
    shared_account = _yes_or_empty(cells, "shared_account") == "yes"
    if cells.problems:
        return cells.problems
    return [
        Household(
            household_id=household_id,
            county=county,
            township=township,
            area=area,
            program=program,
            monthly_income=monthly_income,
            approved_on=approved_on,
            tier=tier,
            income_type=income_type,
            tekun_setting=tekun_setting,
            payee_name=payee_name,
            bank_account=bank_account,
            shared_account=shared_account,
            line=row.line,
        )
    ]


def member_from_row(row: Row, source: str, today: date) -> list[Member] | list[Problem]:
    """One members.csv row as a Member, or its problems.

    Whether care_level is required depends on the household's program, which this row does
    not carry: see `validation.member_program_problems`.
    """
    cells = Cells(source, row.line, row.values)
    household_id = cells.household_id = cells.text("household_id", REQUIRED)
    id_number = _id_number(cells, "id_number", today, REQUIRED)
    name, relation, birth_date, grade, kind, flags, care_level, single = _member_columns(cells, id_number, REQUIRED)
    death_date = cells.date("death_date")
    if death_date and birth_date and death_date < birth_date:
        cells.refuse("death_date", f"{death_date} is before the birth date ({birth_date})")
    if death_date and death_date > today:
        cells.refuse("death_date", f"{death_date} is after today ({today})")
    if cells.problems:
        return cells.problems
    return [
        Member(
            household_id=household_id,
            id_number=id_number,
            name=name,
            relation=relation,
            birth_date=birth_date,
            disability_grade=grade,
            disability_kind=kind,
            flags=flags,
            care_level=care_level,
            single_person=single == "yes",
            death_date=death_date,
            line=row.line,
        )
    ]


def event_from_row(row: Row, source: str, today: date) -> list[Event] | list[Problem]:
    """One events.csv row as an Event, or its problems: each kind's columns read as the households and members
    files read them, every column the kind does not use empty."""
    cells = Cells(source, row.line, row.values)
    household_id = cells.household_id = cells.text("household_id", REQUIRED)
    kind = cells.choice("kind", EVENT_KINDS, REQUIRED)
    day = cells.date("date", REQUIRED)
    if kind is None:
        return cells.problems
    uses = EVENT_USES[kind]
    for column in EVENT_COLUMNS.optional:
        if column not in uses and cells.raw(column):
            cells.refuse(column, f"not used by kind {kind}: leave it empty")
    needed = f"required for kind {kind}"
    id_number = _id_number(cells, "id_number", today, needed) if "id_number" in uses else None
    value = _event_value(cells, kind, needed)
    if kind == "death" and day and day > today:
        cells.refuse("date", f"{day} is after today ({today}); a death is recorded once it happened")
    details: tuple[tuple[str, str], ...] = ()
    reason = None
    if kind == "add_member":
        details = _member_details(cells, id_number)
    elif kind == "disability":
        grade = _disability_grade(cells)
        _disability_pair(cells, grade)
        details = (("disability_grade", "" if grade is None else str(grade)),
                   ("disability_kind", cells.choice("disability_kind", DISABILITY_KINDS) or ""))
    elif kind == "flags":
        details = (("flags", ";".join(_flags(cells))),)
    elif kind == "payee":
        value = cells.digits("bank_account", range(10, 31), needed)
        shared = _yes_or_empty(cells, "shared_account")
        details = (("payee_name", cells.text("payee_name", needed) or ""), ("shared_account", shared))
    elif kind == "program":
        details = _program_terms(cells, value)
    elif kind == "void":
        reason = cells.text("reason", f"{needed}: say why the event was recorded by mistake")
    if cells.problems:
        return cells.problems
    return [Event(household_id=household_id, kind=kind, date=day, value=value, id_number=id_number, reason=reason,
                  details=details, line=row.line)]


def _event_value(cells: Cells, kind: str, needed: str) -> Decimal | str | None:
    """The `value` cell as the kind reads it."""
    if kind == "income":
        return cells.amount("value", needed)
    choices = {"income_type": INCOME_TYPES, "care_level": CARE_LEVELS, "area": AREAS, "program": PROGRAMS,
               "tekun_setting": TEKUN_SETTINGS, "single_person": YES_NO}
    if kind in choices:
        return cells.choice("value", choices[kind], needed)
    if kind == "township":
        return cells.digits("value", range(9, 10), needed)
    if kind == "void":
        return cells.digits("value", range(1, 19), f"{needed}: the id of the event voided (registry history)")
    if kind == "suspend":
        return cells.text("value", f"{needed}: the reason")
    if kind in ("tier", "move_member", "terminate"):
        return cells.text("value", None if kind == "terminate" else needed)
    return None


def _member_columns(cells: Cells, id_number: str | None, required: str) -> tuple[
        str | None, str | None, date | None, int | None, str | None, tuple[str, ...], str | None, str]:
    """A member's columns, as members.csv and an `add_member` event read them: name, relation, birth date (the one
    inside the id number), disability grade and kind, flags, care level, 单人户 (yes or empty)."""
    name = cells.text("name", required)
    relation = cells.choice("relation", RELATIONS, required)
    birth_date = cells.date("birth_date")
    if id_number:
        inside = birth_date_from_id(id_number)
        if birth_date and birth_date != inside:
            cells.refuse("birth_date", f"{birth_date} differs from the birth date inside the id number ({inside})")
        birth_date = inside
    grade = _disability_grade(cells)
    kind = cells.choice("disability_kind", DISABILITY_KINDS)
    _disability_pair(cells, grade)
    flags = _flags(cells)
    care_level = cells.choice("care_level", CARE_LEVELS)
    return name, relation, birth_date, grade, kind, flags, care_level, _yes_or_empty(cells, "single_person")


def _member_details(cells: Cells, id_number: str | None) -> tuple[tuple[str, str], ...]:
    """An added member's columns as event details."""
    name, relation, birth_date, grade, kind, flags, care_level, single = _member_columns(
        cells, id_number, "required for kind add_member")
    return (("name", name or ""), ("relation", relation or ""),
            ("birth_date", birth_date.isoformat() if birth_date else ""),
            ("disability_grade", "" if grade is None else str(grade)), ("disability_kind", kind or ""),
            ("flags", ";".join(flags)), ("care_level", care_level or ""), ("single_person", single))


def _program_terms(cells: Cells, program: Decimal | str | None) -> tuple[tuple[str, str], ...]:
    """A programme change's terms: those the new programme requires, none it does not use."""
    if not isinstance(program, str):
        return ()
    for column in PROGRAM_REQUIRES[program]:
        if not cells.raw(column):
            cells.refuse(column, f"required when the programme becomes {program}")
    for column in PROGRAM_TERMS:
        if cells.raw(column) and column not in PROGRAM_ALLOWS[program]:
            cells.refuse(column, f"not used by programme {program}: leave it empty")
    income = cells.amount("monthly_income") if cells.raw("monthly_income") else None
    income_type = cells.choice("income_type", INCOME_TYPES) if cells.raw("income_type") else None
    setting = cells.choice("tekun_setting", TEKUN_SETTINGS) if cells.raw("tekun_setting") else None
    tier = cells.text("tier")
    return (("monthly_income", "" if income is None else str(income)), ("income_type", income_type or ""),
            ("tekun_setting", setting or ""), ("tier", tier or ""))


def _disability_pair(cells: Cells, grade: int | None) -> None:
    if grade and not cells.raw("disability_kind"):
        cells.refuse("disability_kind", "required when a disability_grade is given")
    if cells.raw("disability_kind") and not cells.raw("disability_grade"):
        cells.refuse("disability_grade", "required when a disability_kind is given")


def _yes_or_empty(cells: Cells, column: str) -> str:
    text = cells.raw(column)
    if text not in ("", "yes"):
        cells.refuse(column, f"{shown(text)} must be yes or left empty")
        return ""
    return text


def _id_number(cells: Cells, column: str, today: date, required: str) -> str | None:
    text = cells.raw(column)
    if not text:
        cells.refuse(column, required)
        return None
    problem = id_number_problem(text, today)
    if problem:
        cells.refuse(column, problem)
        return None
    return normalize_id_number(text)


def _disability_grade(cells: Cells) -> int | None:
    text = cells.raw("disability_grade")
    if not text:
        return None
    if text not in {str(grade) for grade in DISABILITY_GRADES}:
        cells.refuse("disability_grade", f"{shown(text)} is not a grade 1–4 (1 the most severe)")
        return None
    return int(text)


def _flags(cells: Cells) -> tuple[str, ...]:
    """`;`-separated flags, each kept once in file order; empty pieces ("a;;b", "a;") ignored."""
    flags: list[str] = []
    for piece in cells.raw("flags").split(";"):
        flag = piece.strip()
        if not flag:
            continue
        if flag not in FLAGS:
            cells.refuse("flags", f"{shown(flag)} is not one of {', '.join(FLAGS)} (separate flags with ;)")
        elif flag not in flags:
            flags.append(flag)
    return tuple(flags)
