"""Reading a registry CSV file: UTF-8 lines, the header, then one row at a time.

Pure apart from opening the file. Nothing here holds more than one row: files of a
million rows stream through in constant memory.

- Encoding: UTF-8, with or without the BOM spreadsheet programs write, or GB18030 (GBK, what
  Excel on a Chinese Windows saves as "CSV"), told apart by the bytes (`TextLines`), or the one
  the caller forces. Bytes are decoded line by line as they are read; a line the file's encoding
  cannot decode, or a UTF-8 line in a GB18030 file, ends the file with one clean problem naming
  the line, the byte and its offset.
- Excel workbooks are not read here: `inputs.py` writes the sheet out as CSV first.
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
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from aidledger.errors import Refusal
from aidledger.problems import Problem

from .county_words import column_of, translated

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


ENCODINGS = {"utf-8": "utf-8", "utf8": "utf-8", "utf-8-sig": "utf-8", "gb18030": "gb18030", "gbk": "gb18030",
             "gb2312": "gb18030", "cp936": "gb18030"}
# GB18030 is a superset of GBK and GB2312: a file saved in either decodes the same through it.
ENCODING_NAMES = {"utf-8": "UTF-8", "gb18030": "GB18030 (GBK)"}


def encoding_of(name: str) -> str:
    """The codec a forced `--encoding` reads with, or a Refusal naming the ones there are."""
    codec = ENCODINGS.get(name.strip().lower())
    if codec is None:
        raise Refusal(Problem(f"unknown encoding {name!r}: use utf-8 or gbk (gb18030)", "file.encoding",
                               field="encoding"))
    return codec


class TextLines:
    """The lines of a text file decoded one at a time, in the encoding the bytes show or the one forced.

    Undecided while the lines are ASCII (the same in every encoding a registry comes in); the first line with
    other bytes decides: UTF-8 when it decodes as UTF-8, else GB18030 when it decodes as that. A GB18030 file's
    Chinese text is practically never valid UTF-8 (its lead bytes are UTF-8 continuation bytes), so a later
    line that is valid UTF-8 means a file pasted together from two encodings: refused, with the line, rather than
    read as mojibake. `encoding` names what was read (None: ASCII only, or nothing yet).
    """

    def __init__(self, stream: BinaryIO, source: str, encoding: str | None = None):
        self._stream = stream
        self._source = source
        self.forced = encoding is not None
        self.encoding = encoding
        self.problems: list[Problem] = []  # a workbook's refused cells, reported before its rows
        self._number = 0
        self._offset = 0

    def __iter__(self) -> TextLines:
        return self

    def __next__(self) -> str:
        raw = self._stream.readline(MAX_LINE_BYTES + 1)
        if not raw:
            raise StopIteration
        self._number += 1
        number, offset = self._number, self._offset
        self._offset += len(raw)
        if len(raw) > MAX_LINE_BYTES and not raw.endswith(b"\n"):
            raise UnreadableFile(Problem.in_file(
                self._source, number, None, f"the line is longer than {MAX_LINE_BYTES} bytes: is this a CSV file?"))
        if number == 1 and raw.startswith(UTF8_BOM) and self.encoding in (None, "utf-8"):
            self.encoding = "utf-8"
            raw = raw[len(UTF8_BOM):]
            offset += len(UTF8_BOM)
        if raw.isascii():
            return raw.decode("ascii")
        if self.encoding is None:
            self.encoding = "utf-8" if _decodes(raw, "utf-8") else "gb18030" if _decodes(raw, "gb18030") else None
            if self.encoding is None:
                raise UnreadableFile(self._neither(number, raw, offset))
        if self.encoding == "utf-8":
            try:
                return raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise UnreadableFile(self._not_utf8(number, raw, offset, exc.start)) from None
        if not self.forced and _decodes(raw, "utf-8"):
            raise UnreadableFile(Problem.in_file(
                self._source, number, None,
                "the file mixes encodings: this line is UTF-8, the lines before are GB18030 (GBK); "
                "save the whole file again in one encoding"))
        try:
            return raw.decode(self.encoding)
        except UnicodeDecodeError as exc:
            at = offset + exc.start
            raise UnreadableFile(Problem.in_file(
                self._source, number, None,
                f"not {ENCODING_NAMES.get(self.encoding, self.encoding)} (byte 0x{raw[exc.start]:02x} at offset "
                f"{at}): the file mixes encodings or is damaged; save it again as UTF-8 or GBK")) from None

    def _not_utf8(self, number: int, raw: bytes, offset: int, index: int) -> Problem:
        if self.forced or number == 1:
            return _not_utf8(self._source, number, raw, offset, index)
        gbk = " (it reads as GB18030/GBK)" if _decodes(raw, "gb18030") else ""
        reason = (f"not UTF-8 (byte 0x{raw[index]:02x} at offset {offset + index}){gbk}, although the lines before "
                  "are: the file mixes encodings; save the whole file again in one encoding")
        return Problem.in_file(self._source, number, None, reason)

    def _neither(self, number: int, raw: bytes, offset: int) -> Problem:
        if number == 1 and raw[:2] in (b"\xff\xfe", b"\xfe\xff"):
            return Problem.in_file(self._source, 1, None,
                                   "the file is UTF-16, not UTF-8: save the file as UTF-8 (CSV UTF-8)")
        try:
            raw.decode("utf-8")
            index = 0
        except UnicodeDecodeError as exc:
            index = exc.start
        reason = (f"neither UTF-8 nor GB18030 (GBK) (byte 0x{raw[index]:02x} at offset {offset + index}): "
                  "save the file as UTF-8 or GBK (CSV)")
        return Problem.in_file(self._source, number, None, reason)


def _decodes(raw: bytes, encoding: str) -> bool:
    try:
        raw.decode(encoding)
    except UnicodeDecodeError:
        return False
    return True


@contextmanager
def open_registry_file(path: str | Path, source: str | None = None,
                       encoding: str | None = None) -> Iterator[TextLines]:
    """Open a registry file for reading as lazily decoded lines (UTF-8 or GB18030, told apart by the bytes, or
    `encoding` forced: a codec name from `encoding_of`).

    `source` is the name problems give the file (the path by default). A file that cannot
    be opened is a Refusal; bad bytes come out of the readers as a problem.
    """
    name = source if source is not None else str(path)
    try:
        stream = open(path, "rb")
    except OSError as exc:
        raise Refusal(f"{name}: cannot be read: {exc.strerror or exc}") from None
    with stream:
        if stream.read(4) == b"PK\x03\x04" and encoding is None:
            # An Excel workbook given where a CSV was expected (another department's list, say): its first visible
            # sheet, written out as CSV; the services that read a file several times convert it once (inputs.py).
            with _first_sheet(Path(path), name) as lines:
                yield lines
            return
        stream.seek(0)
        yield TextLines(stream, name, encoding)


@contextmanager
def _first_sheet(path: Path, name: str) -> Iterator[TextLines]:
    from .sheets import NotAccepted, sheet_to_csv

    with tempfile.TemporaryDirectory(prefix="aidledger-sheet-") as folder:
        out = Path(folder) / "sheet.csv"
        try:
            sheet = sheet_to_csv(path, out, name)
        except NotAccepted as exc:
            raise Refusal(f"{name} {exc.reason}") from None
        with out.open("rb") as converted:
            lines = TextLines(converted, name)
            lines.problems = list(sheet.problems)
            yield lines


def read_rows(lines: Iterable[str], source: str, columns: Columns) -> Iterator[Row | Problem]:
    """The rows of a CSV file after its header, or the problems that stop them being read.

    `lines` are physical lines, as iterating a text file or `utf8_lines` gives them.
    """
    yield from getattr(lines, "problems", ())
    physical = LineCounter(lines)
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
    names = [column_of(name, columns.all) for name in names]  # 户编号 is household_id (county_words.py)
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
        values = translated({name: value.strip() for name, value in zip(names, fields)})
        values.update(absent)
        yield Row(start, values)


class LineCounter:
    """Counts the physical lines csv.reader pulls, so rows know where they start."""

    def __init__(self, lines: Iterable[str]):
        self._lines = iter(lines)
        self.count = 0

    def __iter__(self) -> LineCounter:
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
