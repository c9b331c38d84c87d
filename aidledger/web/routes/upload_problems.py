"""Every problem of a refused upload, on the page and as a CSV to download (issue 17): the import's refusal keeps
its first problems; when it left some out, the files are judged again by the same checks in a read transaction.

A refused upload stores nothing, anywhere: the page lists every problem, and its download button posts the problems
file back, compressed and signed with a key drawn from the uploader's session (docs/web.md, "Uploads: Excel and
the problems file"): no state on the server, so any worker answers it, and no other session can have it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import sys
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Annotated
from urllib.parse import quote

from fastapi import Form, Request
from fastapi.responses import Response

from aidledger.db import Database
from aidledger.disbursement.registry.csv_source import open_registry_file
from aidledger.disbursement.registry.load import RegistryLoad
from aidledger.disbursement.registry.problem_file import Cell, cell_values, csv_bytes
from aidledger.disbursement.registry.sheets import column_letter
from aidledger.disbursement.registry.store import DatabaseContext
from aidledger.errors import Refusal
from aidledger.problems import SHOWN_PROBLEMS, Problem, ProblemLog
from aidledger.web.access import Forbidden, Routes, SignedIn, Viewer
from aidledger.web.pages import render
from aidledger.web.uploaded import Received

routes = Routes()
PROBLEM_COLUMNS = ("文件", "行", "列", "值", "原因")
# The problems file travels in the page as base64 text in form fields of at most this many characters: Starlette
# refuses a form field over 1 MiB, and a form of more than 1,000 fields (so the file's ceiling is far off: a
# million problems compress to a few megabytes).
PART = 512 * 1024


def every_problem(refusal: Refusal, recheck: Callable[[], list[Problem]]) -> list[Problem]:
    """Every problem of a refused upload. The import's refusal keeps the first SHOWN_PROBLEMS of a load's problems
    and a line counting the rest (problems.ProblemLog, which the command line prints as it is); when it left some
    out, the files are judged again by the same checks with a log that keeps them all (`recheck`). Should the two
    disagree, the refusal is what is shown."""
    if len(refusal.problems) <= SHOWN_PROBLEMS:
        return refusal.problems
    found = recheck()
    return found if len(found) > SHOWN_PROBLEMS else refusal.problems


def registry_problems(database: Database, files: Sequence[Received], today: date) -> list[Problem]:
    """The households and members files judged again, every problem kept: the load the import runs
    (registry/load.py over the stored registry), in a read transaction, so nothing is written; the checks are the
    import's, as a `--dry-run` runs them (it too inserts nothing)."""
    log = ProblemLog(shown=sys.maxsize)
    with database.read() as session:
        load = RegistryLoad(DatabaseContext(session), today=today, problems=log)
        for file, read in zip(files, (load.households, load.members), strict=True):
            with open_registry_file(file.path, file.name) as lines:
                for _ in read(lines, file.name):
                    pass
        load.finish()
    return log.first


def events_problems(database: Database, files: Sequence[Received], today: date) -> list[Problem]:
    """An events file judged again, every problem kept (as `registry_problems`)."""
    log = ProblemLog(shown=sys.maxsize)
    with database.read() as session:
        load = RegistryLoad(DatabaseContext(session), today=today, problems=log)
        with open_registry_file(files[0].path, files[0].name) as lines:
            load.events(lines, files[0].name)
        load.finish()
    return log.first


@dataclass(frozen=True)
class ProblemRow:
    """One line of the problems list and of its CSV: 文件, 行, 列, 值, 原因."""

    file: str
    line: str
    column: str
    value: str
    reason: str

    @property
    def cells(self) -> tuple[str, str, str, str, str]:
        return self.file, self.line, self.column, self.value, self.reason


@dataclass(frozen=True)
class RefusedUpload:
    """What the page shows of a refused upload: the problems of files' rows, the others (a file not chosen, a scope),
    and the download form's fields."""

    rows: tuple[ProblemRow, ...]
    messages: tuple[str, ...]
    count: int
    download_name: str
    parts: tuple[str, ...]
    signature: str


def refused(request: Request, viewer: Viewer, kind: str, problems: Sequence[Problem],
            files: Sequence[Received]) -> Response:
    """The upload page with every problem listed and the problems file to download; 422, nothing stored."""
    rows = problem_rows(problems, files)
    name = problems_name(files)
    payload = base64.urlsafe_b64encode(zlib.compress(problems_csv(rows), 6)).decode("ascii")
    parts = tuple(payload[start:start + PART] for start in range(0, len(payload), PART)) or ("",)
    located = tuple(row for row, problem in zip(rows, problems, strict=True) if problem.source is not None)
    messages = tuple(str(problem) for problem in problems if problem.source is None)
    view = RefusedUpload(located, messages, len(problems), name, parts, _signature(viewer, name, payload) or "")
    return render(request, "upload.html", status=422, viewer=viewer, outcome=None, kind=kind, refused=view)


def problems_name(files: Sequence[Received]) -> str:
    """The problems file's name: 问题清单-<the files' names>.csv."""
    return "问题清单-" + "-".join(Path(file.name).stem for file in files) + ".csv" if files else "问题清单.csv"


def csv_attachment(data: bytes, name: str) -> Response:
    """A CSV as an attachment under its Chinese name (RFC 6266's filename*), "problems.csv" for older browsers."""
    return Response(data, media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f"attachment; filename=\"problems.csv\"; filename*=UTF-8''"
                                                    f"{quote(name)}"})


def problem_rows(problems: Sequence[Problem], files: Sequence[Received]) -> list[ProblemRow]:
    """The problems as rows, with the value of each cell named (read from the files again, or as a workbook's cell
    was shown) and, for a workbook, the column's letter beside its name."""
    values = _cell_values(problems, files)
    headers = {file.name: file.sheet.header for file in files if file.sheet is not None}
    rows = []
    for problem in problems:
        figures = dict(problem.figures)
        key = (problem.source, problem.line, problem.column)
        value = figures.get("value", values.get(key, ""))
        column = problem.column or ""
        if problem.source in headers:
            letter = re.sub(r"\d+", "", figures.get("cell", "")) or _letter(headers[problem.source], problem.column)
            column = f"{column}（{letter} 列）" if column and letter else (f"{letter} 列" if letter else column)
        rows.append(ProblemRow(problem.source or "", "" if problem.line is None else str(problem.line), column,
                               value, problem.what))
    return rows


def _letter(header: tuple[str, ...], column: str | None) -> str:
    return column_letter(header.index(column)) if column is not None and column in header else ""


def _cell_values(problems: Sequence[Problem], files: Sequence[Received]) -> dict[Cell, str]:
    return cell_values(problems, [(file.name, str(file.path)) for file in files])


def problems_csv(rows: Sequence[ProblemRow]) -> bytes:
    """The problems file: 文件, 行, 列, 值, 原因 (problem_file.csv_bytes: UTF-8 with a BOM, formulas made inert)."""
    return csv_bytes(PROBLEM_COLUMNS, [row.cells for row in rows])


def _signature(viewer: Viewer, name: str, payload: str) -> str | None:
    """The problems file's seal: an HMAC over the uploader's name, the file's name and its content, keyed by a key
    drawn from the session's secret id (the cookie the browser holds; the database keeps only its SHA-256), so
    that only the session that uploaded can download it. None without a browser session."""
    if not viewer.session_id:
        return None
    key = hmac.new(viewer.session_id.encode(), b"aidledger: the problems file of an upload", hashlib.sha256).digest()
    message = "\0".join((viewer.name, name, payload)).encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


@routes.post("/registry/upload/problems", roles=("preparer",))
def download_problems(request: Request, viewer: SignedIn, name: Annotated[str, Form(max_length=300)],
                      parts: Annotated[list[str], Form()], signature: Annotated[str, Form(max_length=64)]
                      ) -> Response:
    """The problems of a refused upload as a CSV, for the session that uploaded it (the form of the page that
    listed them posts them back); any other session, or a changed file, gets a 403."""
    payload = "".join(parts)
    expected = _signature(viewer, name, payload)
    if expected is None or not hmac.compare_digest(expected, signature):
        raise Forbidden("这份问题清单不是在您当前的登录中生成的：请重新上传文件，再下载问题清单")
    return csv_attachment(zlib.decompress(base64.urlsafe_b64decode(payload)), name)
