"""Reading a registry CSV file: UTF-8 lines, the header, then one row at a time.

Pure apart from opening the file. Nothing here holds more than one row: files of a
million rows stream through in constant memory.

- Encoding: UTF-8, with or without the BOM spreadsheet programs write. Bytes are decoded
  line by line as they are read; the first byte that is not UTF-8 (a GBK file, typically)
  ends the file with one clean problem naming the byte and its offset.
- Lines: the physical lines of the file; the header is line 1. A row whose quoted field
  runs over several lines is reported at the line where it starts.
- Header: column names with surrounding whitespace dropped, in any order; unknown,
  missing required and repeated names are refused, and then the rows are not read (every
  row would repeat the same complaint).
- Rows: values with surrounding whitespace dropped (including the ideographic space); a
  column the header does not have reads as empty; a row with every field empty (as
  spreadsheets write at the end) is skipped; a row with the wrong number of fields is refused.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from aidledger.errors import Refusal
from aidledger.problems import Problem

UTF8_BOM = b"\xef\xbb\xbf"
MAX_LINE_BYTES = 1 << 20


class UnreadableFile(Exception):
    """The rest of a file cannot be read (not UTF-8, a runaway line); carries the problem."""

    def __init__(self, problem: Problem):
        super().__init__(str(problem))
        self.problem = problem


@dataclass(frozen=True)
class Columns:
    """The columns a file may have: required ones must be in the header, optional ones may be."""

    required: tuple[str, ...]
    optional: tuple[str, ...] = ()

    @property
    def all(self) -> tuple[str, ...]:
        return self.required + self.optional


@dataclass(frozen=True)
class Row:
    """One data row: its first physical line and its values by column ('' when empty or absent)."""

    line: int
    values: dict[str, str]


def utf8_lines(stream: BinaryIO, source: str) -> Iterator[str]:
    """The lines of a binary stream decoded as UTF-8 (a leading BOM dropped), one at a time.

    Raises UnreadableFile at the first byte that is not UTF-8 or a line longer than
    MAX_LINE_BYTES; the readers turn it into a problem.
    """
    offset = 0
    number = 0
    while True:
        raw = stream.readline(MAX_LINE_BYTES + 1)
        if not raw:
            return
        number += 1
        if len(raw) > MAX_LINE_BYTES and not raw.endswith(b"\n"):
            raise UnreadableFile(
                Problem.in_file(source, number, None,
                                f"the line is longer than {MAX_LINE_BYTES} bytes: is this a CSV file?")
            )
        skipped = len(UTF8_BOM) if number == 1 and raw.startswith(UTF8_BOM) else 0
        try:
            text = raw[skipped:].decode("utf-8")
        except UnicodeDecodeError as exc:
            raise UnreadableFile(_not_utf8(source, number, raw, offset, skipped + exc.start)) from None
        offset += len(raw)
        yield text


def _not_utf8(source: str, number: int, raw: bytes, offset: int, index: int) -> Problem:
    if number == 1 and raw[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return Problem.in_file(source, 1, None, "the file is UTF-16, not UTF-8: save the file as UTF-8 (CSV UTF-8)")
    reason = f"not UTF-8 (byte 0x{raw[index]:02x} at offset {offset + index}): save the file as UTF-8"
    return Problem.in_file(source, number, None, reason)


@contextmanager
def open_registry_file(path: str | Path, source: str | None = None) -> Iterator[Iterator[str]]:
    """Open a registry file for reading as lazily decoded UTF-8 lines.

    `source` is the name problems give the file (the path by default). A file that cannot
    be opened is a Refusal; bad bytes come out of the readers as a problem.
    """
    name = source if source is not None else str(path)
    try:
        stream = open(path, "rb")
    except OSError as exc:
        raise Refusal(f"{name}: cannot be read: {exc.strerror or exc}") from None
    with stream:
        yield utf8_lines(stream, name)


def read_rows(lines: Iterable[str], source: str, columns: Columns) -> Iterator[Row | Problem]:
    """The rows of a CSV file after its header, or the problems that stop them being read.

    `lines` are physical lines, as iterating a text file or `utf8_lines` gives them.
    """
    physical = _LineCounter(lines)
    reader = csv.reader(physical)
    try:
        header = next(reader)
    except StopIteration:
        yield Problem.in_file(source, 1, None, f"the file is empty: it needs a header row ({','.join(columns.all)})")
        return
    except UnreadableFile as exc:
        yield exc.problem
        return
    except csv.Error as exc:
        yield Problem.in_file(source, 1, None, f"the header row is not valid CSV: {_csv_reason(exc)}")
        return
    names = [name.strip() for name in header]
    if names and names[0].startswith("\ufeff"):  # a BOM left by a caller who decoded without utf-8-sig
        names[0] = names[0][1:].strip()
    problems = _header_problems(names, source, columns)
    if problems:
        yield from problems
        return
    absent = {column: "" for column in columns.all if column not in names}
    previous = physical.count
    while True:
        try:
            fields = next(reader)
        except StopIteration:
            return
        except UnreadableFile as exc:
            yield exc.problem
            return
        except csv.Error as exc:
            yield Problem.in_file(source, previous + 1, None, f"not valid CSV: {_csv_reason(exc)}")
            previous = physical.count
            continue
        start, previous = previous + 1, physical.count
        if all(not value.strip() for value in fields):
            continue
        if len(fields) != len(names):
            reason = _field_count_reason(len(fields), len(names), start, previous)
            yield Problem.in_file(source, start, None, reason, _household_id(fields, names))
            continue
        values = {name: value.strip() for name, value in zip(names, fields)}
        values.update(absent)
        yield Row(start, values)


class _LineCounter:
    """Counts the physical lines csv.reader pulls, so rows know where they start."""

    def __init__(self, lines: Iterable[str]):
        self._lines = iter(lines)
        self.count = 0

    def __iter__(self) -> _LineCounter:
        return self

    def __next__(self) -> str:
        line = next(self._lines)
        self.count += 1
        return line


def _header_problems(names: list[str], source: str, columns: Columns) -> list[Problem]:
    problems = []
    seen: set[str] = set()
    for name in names:
        if name in seen:
            problems.append(Problem.in_file(source, 1, name, "the column appears twice in the header"))
        seen.add(name)
        if name not in columns.all:
            shown = repr(name) if name else "an unnamed column"
            reason = f"unknown column {shown}; columns are {', '.join(columns.all)}"
            problems.append(Problem.in_file(source, 1, name or None, reason))
    for name in columns.required:
        if name not in seen:
            problems.append(Problem.in_file(source, 1, name, "the header lacks this required column"))
    return problems


def _household_id(fields: list[str], names: list[str]) -> str | None:
    """The household a misshapen row seems to name, so rows depending on it are not refused too."""
    if "household_id" in names and names.index("household_id") < len(fields):
        return fields[names.index("household_id")].strip() or None
    return None


def _field_count_reason(fields: int, expected: int, start: int, end: int) -> str:
    reason = f"the row has {fields} field{'s' if fields != 1 else ''}, the header has {expected}"
    if end > start:
        reason += f"; it runs over lines {start}–{end}: look for an unclosed quote"
    return reason


def _csv_reason(exc: csv.Error) -> str:
    message = str(exc)
    if "new-line character" in message:
        return "a carriage return inside an unquoted field: save the file with ordinary line endings"
    if "field larger than field limit" in message:
        return f"a field is longer than {csv.field_size_limit()} characters: look for an unclosed quote"
    return message
