"""Every problem of a refused load as a CSV a clerk opens in Excel: the web's 问题清单 download and the command
line's `--errors FILE` write the same file.

Pure apart from reading the files the problems name and writing the list. A refusal's message keeps the first
200 problems (problems.ProblemLog); this file holds all of them, one row each: the file, the worksheet (for a
workbook), the line, the column, the value found there and the reason. It is UTF-8 with a byte-order mark, so
that Excel on a Chinese Windows reads it as UTF-8, not GBK; a value Excel would take for a formula (a cell of the
file sent, say `=HYPERLINK(…)`) is written after an apostrophe, so that opening the list runs nothing.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from pathlib import Path

from aidledger.problems import Problem

from .csv_source import LineCounter, UnreadableFile, open_registry_file

FILE_COLUMNS = ("文件", "工作表", "行", "列", "值", "原因")
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
NUMBER = re.compile(r"-?\d+(\.\d+)?")
SHEET_LABEL = re.compile(r"(?P<file>.+)（(?P<sheet>[^（）]+)）")
Cell = tuple[str | None, int | None, str | None]  # a problem's file, line and column


def inert(text: str) -> str:
    """A cell's text as Excel will not run it."""
    if text.startswith(FORMULA_START) and not NUMBER.fullmatch(text):
        return "'" + text
    return text


def csv_bytes(header: Sequence[str], rows: Iterable[Sequence[str]]) -> bytes:
    """The rows as a UTF-8 CSV with a BOM, every cell made inert."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    for row in rows:
        writer.writerow([inert(cell) for cell in row])
    return b"\xef\xbb\xbf" + out.getvalue().encode("utf-8")


def write_problem_file(out: str | Path, problems: Sequence[Problem], files: Sequence[tuple[str, str]]) -> None:
    """Write every problem to `out` (FILE_COLUMNS). `files` are the (name, CSV path) pairs the load read, so that a
    problem naming a cell gets the value there; a workbook's sheet is told apart from its file's name
    (`名册.xlsx（成员）`, as inputs.py names it)."""
    values = cell_values(problems, files)
    rows = []
    for problem in problems:
        figures = dict(problem.figures)
        value = figures.get("value", values.get((problem.source, problem.line, problem.column), ""))
        file, sheet = problem.source or "", ""
        if (label := SHEET_LABEL.fullmatch(file)) is not None:
            file, sheet = label["file"], label["sheet"]
        rows.append((file, sheet, "" if problem.line is None else str(problem.line), problem.column or "", value,
                     problem.what))
    Path(out).write_bytes(csv_bytes(FILE_COLUMNS, rows))


def cell_values(problems: Sequence[Problem], files: Sequence[tuple[str, str]]) -> dict[Cell, str]:
    """The value of each (file, line, column) a problem names, read from the CSV the load read: one pass over
    each file, keeping only the cells asked for (the header mapped as the readers map it)."""
    from .county_words import column_of

    wanted: dict[str, set[tuple[int, str]]] = {}
    for problem in problems:
        if (problem.source is not None and problem.line is not None and problem.line > 1 and problem.column
                and not any(name == "value" for name, _ in problem.figures)):
            wanted.setdefault(problem.source, set()).add((problem.line, problem.column))
    found: dict[Cell, str] = {}
    for name, path in files:
        cells = wanted.get(name)
        if not cells:
            continue
        columns = {column for _, column in cells}
        last = max(line for line, _ in cells)
        with open_registry_file(path, name) as lines:
            counted = LineCounter(lines)
            try:
                reader = csv.reader(counted)
                header = [column_of(n.strip().lstrip("\ufeff").strip(), columns) for n in next(reader, [])]
                start = counted.count + 1
                for fields in reader:
                    for index, column in enumerate(header):
                        if (start, column) in cells and index < len(fields):
                            found[(name, start, column)] = fields[index].strip()
                    start = counted.count + 1
                    if start > last:
                        break
            except (UnreadableFile, csv.Error):  # the rest cannot be read: its problems say so, without values
                pass
    return found
