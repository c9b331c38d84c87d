"""Reading another department's list (数据比对): its columns, Chinese headers, and each row checked.

Pure. The file is read as the registry's files are (`registry/csv_source.py`: `open_registry_file` gives the
lines, `read_rows` the rows and the problems that stop them being read); this module only renames Chinese
headers to the column names and checks each row: the id number's check character (GB 11643, `idcard.py`), a
name, a date written YYYY-MM-DD. Every problem names the file, line, column, value and reason.

Columns: `id_number`, `name` (required), `date` (a death's, an entry on the payroll's, a registration's) and
`detail` (a vehicle's model, a company's name, a value) optional. Accepted Chinese headers are in `ALIASES`.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date

from aidledger.disbursement.registry.csv_source import Columns, Row
from aidledger.idcard import id_number_problem, normalize_id_number
from aidledger.problems import Problem

COLUMNS = Columns(required=("id_number", "name"), optional=("date", "detail"))
ALIASES = {
    "身份证号": "id_number", "身份证号码": "id_number", "公民身份号码": "id_number", "证件号码": "id_number",
    "姓名": "name",
    "日期": "date", "死亡日期": "date", "火化日期": "date", "入编日期": "date", "登记日期": "date",
    "注册日期": "date", "成立日期": "date",
    "备注": "detail", "详情": "detail", "说明": "detail", "车型": "detail", "企业名称": "detail",
}
EARLIEST = date(1900, 1, 1)
# Kinds on which one person appears once: a second row is a mistake in the list (a person has several vehicles or
# companies, but dies once and holds one post).
ONCE = ("death", "payroll")


@dataclass(frozen=True, slots=True)
class ListEntry:
    """One row of a list, checked: the line it starts on, the person, and its optional date and detail."""

    line: int
    id_number: str
    name: str
    on: date | None
    detail: str | None


class EnglishHeader:
    """The lines of a list file with the header's Chinese column names (ALIASES) replaced by the column names, the
    rest unchanged; what the file reader found besides the lines (a workbook's refused cells, `problems`) passes
    through."""

    def __init__(self, lines: Iterable[str]):
        self._lines = lines
        self._iterator: Iterator[str] = iter(lines)
        self._first = True

    @property
    def problems(self) -> object:
        return getattr(self._lines, "problems", ())

    def __iter__(self) -> EnglishHeader:
        return self

    def __next__(self) -> str:
        line = next(self._iterator)
        if not self._first:
            return line
        self._first = False
        try:
            names = next(csv.reader([line]))
        except (csv.Error, StopIteration):
            return line
        renamed = [ALIASES.get(name.strip().lstrip("\ufeff").strip(), name) for name in names]
        if renamed == names:
            return line
        out = io.StringIO()
        csv.writer(out, lineterminator="\n").writerow(renamed)
        return out.getvalue()


def check_row(row: Row, source: str, kind: str, listed_on: date, today: date) -> ListEntry | list[Problem]:
    """The row as an entry, or every problem it has."""
    problems = []
    values = row.values
    id_text = values["id_number"]
    reason = id_number_problem(id_text, today)
    if reason is not None:
        problems.append(Problem.in_file(source, row.line, "id_number", f"{id_text!r}: {reason}"))
    name = values["name"]
    if not name:
        problems.append(Problem.in_file(source, row.line, "name", "the name is empty"))
    elif len(name) > 100:
        problems.append(Problem.in_file(source, row.line, "name", "a name has at most 100 characters"))
    on = None
    text = values.get("date", "")
    if text:
        on, reason = _date(text)
        if reason is None and on is not None and kind == "death" and on > listed_on:
            reason = f"a death on {on} is after the list's date ({listed_on})"
        if reason is not None:
            problems.append(Problem.in_file(source, row.line, "date", f"{text!r}: {reason}"))
    if problems:
        return problems
    return ListEntry(row.line, normalize_id_number(id_text), name, on, values.get("detail") or None)


def _date(text: str) -> tuple[date | None, str | None]:
    try:
        if len(text) != 10:
            raise ValueError
        day = date.fromisoformat(text)
    except ValueError:
        return None, "not a date written YYYY-MM-DD"
    if day < EARLIEST:
        return None, "a date before 1900"
    return day, None


def repeated(entry: ListEntry, seen: dict[str, int], source: str, kind: str) -> Problem | None:
    """A second row of the same person on a list where a person appears once; `seen` keeps the first lines."""
    if kind not in ONCE:
        return None
    first = seen.setdefault(entry.id_number, entry.line)
    if first == entry.line:
        return None
    return Problem.in_file(source, entry.line, "id_number",
                           f"{entry.id_number!r}: this person is on the list twice (first at line {first})")


def digest_line(entry: ListEntry) -> bytes:
    """What the list's SHA-256 covers of a row: identical rows give an identical list."""
    return "\x1f".join((str(entry.line), entry.id_number, entry.name, entry.on.isoformat() if entry.on else "",
                        entry.detail or "")).encode("utf-8") + b"\n"
