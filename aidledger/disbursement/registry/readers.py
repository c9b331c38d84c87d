"""Streaming readers of households.csv, members.csv and events.csv.

Pure. Each reader yields, in file order, a record for every good row and one `Problem`
per bad cell of every bad row (a bad row yields no record). Nothing is kept between rows:
the checks that span rows live in `registry_checks`, and the checks that need the stored
registry or a county's policy come through a `RegistryContext` there.

"Now" is a parameter: `today` bounds birth dates, death dates and approval dates, which
record the past. Event dates may lie ahead: a decision can take effect later.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import date

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
    optional=("monthly_income", "tier", "income_type", "tekun_setting"),
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
EVENT_COLUMNS = Columns(required=("household_id", "kind", "date"), optional=("value", "id_number"))

REQUIRED = "a value is required"

# The columns each kind of event uses besides household_id, kind and date.
EVENT_USES = {
    "income": ("value",),
    "death": ("id_number",),
    "remove_member": ("id_number",),
    "tier": ("value",),
    "care_level": ("id_number", "value"),
    "terminate": (),
}

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
            line=row.line,
        )
    ]


def member_from_row(row: Row, source: str, today: date) -> list[Member] | list[Problem]:
    """One members.csv row as a Member, or its problems.

    Whether care_level is required depends on the household's program, which this row does
    not carry: see `registry_checks.member_program_problems`.
    """
    cells = Cells(source, row.line, row.values)
    household_id = cells.household_id = cells.text("household_id", REQUIRED)
    id_number = _id_number(cells, "id_number", today, REQUIRED)
    name = cells.text("name", REQUIRED)
    relation = cells.choice("relation", RELATIONS, REQUIRED)
    birth_date = cells.date("birth_date")
    if id_number:
        inside = birth_date_from_id(id_number)
        if birth_date and birth_date != inside:
            cells.refuse("birth_date", f"{birth_date} differs from the birth date inside the id number ({inside})")
        birth_date = inside
    grade = _disability_grade(cells)
    kind = cells.choice("disability_kind", DISABILITY_KINDS)
    if grade and not cells.raw("disability_kind"):
        cells.refuse("disability_kind", "required when a disability_grade is given")
    if cells.raw("disability_kind") and not cells.raw("disability_grade"):
        cells.refuse("disability_grade", "required when a disability_kind is given")
    flags = _flags(cells)
    care_level = cells.choice("care_level", CARE_LEVELS)
    single = cells.raw("single_person")
    if single not in ("", "yes"):
        cells.refuse("single_person", f"{shown(single)} must be yes or left empty")
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
    """One events.csv row as an Event, or its problems."""
    cells = Cells(source, row.line, row.values)
    household_id = cells.household_id = cells.text("household_id", REQUIRED)
    kind = cells.choice("kind", EVENT_KINDS, REQUIRED)
    day = cells.date("date", REQUIRED)
    value: object = None
    id_number = None
    if kind is not None:
        uses = EVENT_USES[kind]
        for column in ("value", "id_number"):
            if column not in uses and cells.raw(column):
                cells.refuse(column, f"not used by kind {kind}: leave it empty")
        needed = f"required for kind {kind}"
        if "id_number" in uses:
            id_number = _id_number(cells, "id_number", today, needed)
        if kind == "income":
            value = cells.amount("value", needed)
        elif kind == "care_level":
            value = cells.choice("value", CARE_LEVELS, needed)
        elif kind == "tier":
            value = cells.text("value", needed)
    if cells.problems:
        return cells.problems
    return [Event(household_id=household_id, kind=kind, date=day, value=value, id_number=id_number, line=row.line)]


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
