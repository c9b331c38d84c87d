"""A county's files as the registry's readers take them: an Excel sheet written out as CSV once, a text file's
encoding forced or found, and a name for each in the problems.

Pure apart from the files: no database. The services open every file of a load with `inputs(...)` before they
start and hand the `Input`s on: a workbook's sheet is converted once (sheets.py), however often the load reads it
(its digest, whether it holds rows, its rows); a text file is read where it is, decoded line by line
(csv_source.TextLines), and the encoding it turned out to be is kept for the command's report.

A workbook's problems are named `<file>（<sheet>）`: one workbook may hold the households and the members.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from aidledger.errors import Refusal
from aidledger.problems import Problem

from .csv_source import ENCODING_NAMES, TextLines, encoding_of, open_registry_file
from .sheets import NotAccepted, Sheet, file_kind, sheet_to_csv


@dataclass(frozen=True)
class Wanted:
    """A file a command was given: its path, its role in the load (households, members, events …), the sheet
    named for it (`--sheet`) and the encoding forced (`--encoding`)."""

    path: str
    role: str
    sheet: str | None = None
    encoding: str | None = None


@dataclass
class Input:
    """A file ready to be read: `path` as given (its bytes are the import's digest), `read_path` the CSV the
    readers read (the file itself, or its sheet written out), `name` what problems call it."""

    path: str
    name: str
    read_path: str
    codec: str | None = None
    sheet: Sheet | None = None
    seen: str | None = field(default=None)  # the encoding the readers found

    @property
    def problems(self) -> list[Problem]:
        """The cells a workbook's sheet refused (empty for a text file)."""
        return self.sheet.problems if self.sheet is not None else []

    @contextmanager
    def lines(self) -> Iterator[TextLines]:
        with open_registry_file(self.read_path, self.name, self.codec) as lines:
            yield lines
            if lines.encoding is not None:
                self.seen = lines.encoding

    def described(self) -> str:
        """How the file was read, for the command's report: `h.csv: GB18030 (GBK)`, `名册.xlsx: Excel workbook,
        sheet 家庭`."""
        if self.sheet is not None:
            return f"{Path(self.path).name}: Excel workbook, sheet {self.sheet.name}"
        encoding = self.seen or self.codec
        shown = ENCODING_NAMES.get(encoding, encoding) if encoding else "ASCII"
        return f"{self.name}: {shown}" + (" (forced)" if self.codec else "")


@contextmanager
def inputs(wanted: Sequence[Wanted], progress: Callable[[int], None] | None = None) -> Iterator[list[Input]]:
    """Every file of a load made ready (see the module's docstring); the sheets written out are removed after.

    A file that is no registry file at all (an old .xls, a picture), a sheet the workbook does not have or an
    encoding unknown is a Refusal naming the file, before anything is read. `progress` is told of every row a
    sheet's conversion writes (the load then reads them again: the estimate counts a sheet's rows twice)."""
    with ExitStack() as stack:
        folder: Path | None = None
        made: list[Input] = []
        taken: dict[str, str] = {}  # a workbook's path → the sheet an earlier role took from it
        for want in wanted:
            name = Path(want.path).name
            codec = encoding_of(want.encoding) if want.encoding else None
            try:
                kind = file_kind(Path(want.path))
            except NotAccepted as exc:
                raise Refusal(f"{name} {exc.reason}") from None
            except OSError as exc:
                raise Refusal(f"{name}: cannot be read: {exc.strerror or exc}") from None
            if kind == "text":
                if want.sheet is not None:
                    raise Refusal(Problem(f"{name} is a text (CSV) file, not an Excel workbook: it has no sheet "
                                          f"{want.sheet!r}", "file.sheet", field="sheet"))
                made.append(Input(want.path, name, want.path, codec))
                continue
            if codec is not None:
                raise Refusal(Problem(f"{name} is an Excel workbook: an encoding applies to CSV files only",
                                      "file.encoding", field="encoding"))
            if folder is None:
                folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="aidledger-sheet-")))
            out = folder / f"{len(made)}.csv"
            try:
                sheet = sheet_to_csv(Path(want.path), out, name, want.sheet, want.role, taken.get(want.path),
                                     progress)
            except NotAccepted as exc:
                raise Refusal(f"{name} {exc.reason}") from None
            label = f"{name}（{sheet.name}）"
            sheet.problems[:] = [_renamed(problem, label) for problem in sheet.problems]
            taken[want.path] = sheet.name
            made.append(Input(want.path, label, str(out), None, sheet))
        yield made


def _renamed(problem: Problem, source: str) -> Problem:
    return Problem(problem.what, problem.rule, source, problem.line, problem.column, problem.entity,
                   problem.figures, problem.field)
