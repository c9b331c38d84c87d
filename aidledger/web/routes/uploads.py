"""Files to and from the browser (issue 17, part): registry files uploaded (households and members together, or an
events file), stored by the services `registry import` and `registry events` call, all or nothing, with their checks
and their messages (every bad row with its line, column and reason, and all of them as a CSV to download); a cycle's
bank file downloaded (`cycle export-bank`) and the bank's returns uploaded (`cycle returns`).

An upload is written to a private temporary folder under the name it was sent with (the import records it as the
source) and read from there; the folder is removed after. Its content decides what it is, never its name
(registry/sheets.py): CSV text goes to the import as it is (which refuses any encoding but UTF-8, with the advice to
save as UTF-8); an Excel workbook (.xlsx) is written out as the CSV the import reads, its first sheet row for line,
and then goes through the same service, so that its checks and messages are the CSV's; an old .xls, a picture, an
archive or any other binary is refused with what it is and what to do. Uploads run inside the request: a county's
registry of 100,000 households takes about a minute (docs/benchmarks.md).

A refused upload stores nothing, anywhere: the page lists every problem, and its download button posts the problems
file back, compressed and signed with a key drawn from the uploader's session (docs/web.md, "Uploads: Excel and
the problems file"): no state on the server, so any worker answers it, and no other session can have it.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import hmac
import io
import re
import sys
import tempfile
import zlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Annotated
from urllib.parse import quote

from fastapi import Form, Request, UploadFile
from fastapi.responses import RedirectResponse, Response

from aidledger.db import Database
from aidledger.disbursement.cycles.service.actions import book_returns as book_service
from aidledger.disbursement.cycles.service.actions import export_bank as export_service
from aidledger.disbursement.cycles.service.steps import cycle_jurisdiction, cycle_of
from aidledger.disbursement.registry import service as registry
from aidledger.disbursement.registry.csv_source import UnreadableFile, open_registry_file
from aidledger.disbursement.registry.load import RegistryLoad
from aidledger.disbursement.registry.sheets import NotAccepted, Sheet, column_letter, file_kind, sheet_to_csv
from aidledger.disbursement.registry.store import DatabaseContext
from aidledger.errors import Refusal
from aidledger.problems import SHOWN_PROBLEMS, Problem, ProblemLog
from aidledger.web import params
from aidledger.web.access import Forbidden, Routes, SignedIn, Viewer, now_of
from aidledger.web.pages import render

from .cycles import cycle_number

routes = Routes()
LIMIT = 200 * 1024 * 1024  # bytes an uploaded file may hold (a province's registry is far below it)
CHUNK = 1024 * 1024
SAFE_NAME = re.compile(r"[^\w.\-]+")
PROBLEM_COLUMNS = ("文件", "行", "列", "值", "原因")
# The problems file travels in the page as base64 text in form fields of at most this many characters: Starlette
# refuses a form field over 1 MiB, and a form of more than 1,000 fields (so the file's ceiling is far off: a
# million problems compress to a few megabytes).
PART = 512 * 1024
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
NUMBER = re.compile(r"-?\d+(\.\d+)?")
Cell = tuple[str | None, int | None, str | None]  # a problem's file, line and column


@dataclass(frozen=True)
class Received:
    """An uploaded registry file: `path` is what the import reads (the file itself, or the CSV its workbook was
    written to, under the name it was sent with), `sheet` what the workbook came to."""

    path: Path
    sheet: Sheet | None = None

    @property
    def name(self) -> str:
        return self.path.name


def saved(upload: UploadFile | None, folder: Path, what: str) -> Path:
    """The upload written into `folder`, or a refusal: none sent, empty or too large."""
    if upload is None or not upload.filename:
        raise Refusal(f"请选择{what}文件")
    name = SAFE_NAME.sub("_", Path(upload.filename).name)[-100:] or "upload.csv"
    path = folder / name
    size = 0
    with path.open("wb") as out:
        while chunk := upload.file.read(CHUNK):
            size += len(chunk)
            if size > LIMIT:
                raise Refusal(f"{what}文件 {name} 超过 {LIMIT // (1024 * 1024)} MB")
            out.write(chunk)
    if size == 0:
        raise Refusal(f"{what}文件 {name} 是空的")
    return path


def received(upload: UploadFile | None, folder: Path, what: str) -> Received:
    """A registry file saved and judged by its content: CSV text as it is, a workbook written out as CSV."""
    path = saved(upload, folder, what)
    try:
        if file_kind(path) == "text":
            return Received(path)
        (folder / "csv").mkdir()
        written = folder / "csv" / path.name
        return Received(written, sheet_to_csv(path, written, path.name))
    except NotAccepted as exc:
        raise Refusal(f"{what}文件 {path.name} {exc.reason}") from None


def text_file(upload: UploadFile | None, folder: Path, what: str) -> Path:
    """An uploaded CSV that is not a registry file (the bank's returns): text only, judged by its content."""
    path = saved(upload, folder, what)
    try:
        kind = file_kind(path)
    except NotAccepted as exc:
        raise Refusal(f"{what}文件 {path.name} {exc.reason}") from None
    if kind != "text":
        raise Refusal(f"{what}文件 {path.name} 是 Excel 文件：请在 Excel 中“另存为 CSV UTF-8”后上传")
    return path


@routes.get("/registry/upload", roles=("preparer",))
def upload_page(request: Request, viewer: SignedIn) -> Response:
    return render(request, "upload.html", viewer=viewer, outcome=None, refused=None)


@routes.post("/registry/upload", roles=("preparer",))
def upload_registry(request: Request, viewer: SignedIn, households: UploadFile | None = None,
                    members: UploadFile | None = None) -> Response:
    """`registry import --households … --members …`."""
    database = request.app.state.database
    today = now_of(request).date()
    files: list[Received] = []
    with tempfile.TemporaryDirectory(prefix="aidledger-upload-") as name:
        folder = Path(name)
        try:
            files.append(received(households, _sub(folder, "h"), "家庭（households）"))
            files.append(received(members, _sub(folder, "m"), "成员（members）"))
            if problems := sheet_problems(files):
                return refused(request, viewer, "registry", problems, files)
            h, m = (str(file.path) for file in files)
            with viewer.acting(), database.write() as session:
                outcome = registry.import_registry(session, h, m, user=viewer.name, now=now_of(request),
                                                   today=today, dry_run=False)
        except Refusal as refusal:
            problems = every_problem(refusal, lambda: registry_problems(database, files, today))
            return refused(request, viewer, "registry", problems, files)
    return render(request, "upload.html", viewer=viewer, outcome=outcome, kind="registry", refused=None)


@routes.post("/registry/upload-events", roles=("preparer",))
def upload_events(request: Request, viewer: SignedIn, events: UploadFile | None = None) -> Response:
    """`registry events FILE`."""
    database = request.app.state.database
    today = now_of(request).date()
    files: list[Received] = []
    with tempfile.TemporaryDirectory(prefix="aidledger-upload-") as name:
        try:
            files.append(received(events, Path(name), "变动（events）"))
            if problems := sheet_problems(files):
                return refused(request, viewer, "events", problems, files)
            with viewer.acting(), database.write() as session:
                outcome = registry.import_events(session, str(files[0].path), user=viewer.name, now=now_of(request),
                                                 today=today, dry_run=False)
        except Refusal as refusal:
            problems = every_problem(refusal, lambda: events_problems(database, files, today))
            return refused(request, viewer, "events", problems, files)
    return render(request, "upload.html", viewer=viewer, outcome=outcome, kind="events", refused=None)


def sheet_problems(files: Sequence[Received]) -> list[Problem]:
    """The cells of the workbooks sent that no CSV could hold as they are (sheets.py): the import is not run."""
    return [problem for file in files if file.sheet is not None for problem in file.sheet.problems]


# ---- every problem of a refused upload ----------------------------------------------------------------------


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
    name = "问题清单-" + "-".join(Path(file.name).stem for file in files) + ".csv" if files else "问题清单.csv"
    payload = base64.urlsafe_b64encode(zlib.compress(problems_csv(rows), 6)).decode("ascii")
    parts = tuple(payload[start:start + PART] for start in range(0, len(payload), PART)) or ("",)
    located = tuple(row for row, problem in zip(rows, problems, strict=True) if problem.source is not None)
    messages = tuple(str(problem) for problem in problems if problem.source is None)
    view = RefusedUpload(located, messages, len(problems), name, parts, _signature(viewer, name, payload) or "")
    return render(request, "upload.html", status=422, viewer=viewer, outcome=None, kind=kind, refused=view)


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
    """The value of each (file, line, column) a problem names, read from the CSV the import read: one pass over
    each file, keeping only the cells asked for."""
    wanted: dict[str, set[tuple[int, str]]] = {}
    for problem in problems:
        if (problem.source is not None and problem.line is not None and problem.line > 1 and problem.column
                and not any(name == "value" for name, _ in problem.figures)):
            wanted.setdefault(problem.source, set()).add((problem.line, problem.column))
    found: dict[Cell, str] = {}
    for file in files:
        cells = wanted.get(file.name)
        if not cells:
            continue
        last = max(line for line, _ in cells)
        with open_registry_file(file.path, file.name) as lines:
            counted = _Counted(lines)
            try:
                reader = csv.reader(counted)
                header = [name.strip().lstrip("\ufeff").strip() for name in next(reader, [])]
                start = counted.count + 1
                for fields in reader:
                    for index, name in enumerate(header):
                        if (start, name) in cells and index < len(fields):
                            found[(file.name, start, name)] = fields[index].strip()
                    start = counted.count + 1
                    if start > last:
                        break
            except (UnreadableFile, csv.Error):  # the rest cannot be read: its problems say so, without values
                pass
    return found


class _Counted:
    """The physical lines csv.reader pulls, counted (a quoted field may run over several), as csv_source counts."""

    def __init__(self, lines: Iterable[str]) -> None:
        self.lines = iter(lines)
        self.count = 0

    def __iter__(self) -> _Counted:
        return self

    def __next__(self) -> str:
        line = next(self.lines)
        self.count += 1
        return line


def problems_csv(rows: Sequence[ProblemRow]) -> bytes:
    """The problems file: UTF-8 with a byte-order mark (so that Excel on a Chinese Windows reads it as UTF-8, not
    GBK), the columns 文件, 行, 列, 值, 原因. A cell that Excel would take for a formula (a value from the file
    sent, say `=HYPERLINK(…)`) is written after an apostrophe, so that opening the list runs nothing."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(PROBLEM_COLUMNS)
    for row in rows:
        writer.writerow([_inert(cell) for cell in row.cells])
    return b"\xef\xbb\xbf" + out.getvalue().encode("utf-8")


def _inert(text: str) -> str:
    if text.startswith(FORMULA_START) and not NUMBER.fullmatch(text):
        return "'" + text
    return text


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
    data = zlib.decompress(base64.urlsafe_b64decode(payload))
    return Response(data, media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f"attachment; filename=\"problems.csv\"; filename*=UTF-8''"
                                                    f"{quote(name)}"})


def text_of(path: Path) -> str:
    """An uploaded file's UTF-8 text (a byte-order mark dropped), else a refusal naming it as it was sent."""
    try:
        return path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise Refusal(f"{path.name}: not UTF-8 text (byte {exc.start}); save the file as UTF-8 "
                      "（请在表格软件中“另存为 CSV UTF-8”）") from None


def _sub(folder: Path, name: str) -> Path:
    """A folder of its own for each of two files, so that two uploads of the same name do not overwrite."""
    (folder / name).mkdir()
    return folder / name


# ---- the bank: its file, and its returns ------------------------------------------------------------------


@routes.post("/cycles/{cycle_id}/export", roles=("preparer",))
def export_bank(request: Request, viewer: SignedIn, cycle_id: str, date: Annotated[str, Form(max_length=10)] = ""
                ) -> Response:
    """`cycle export-bank CYCLE`: the paying bank's CSV, as a download. The export is committed before the file is
    answered; an exported cycle answers the same bytes again (a reprint, nothing posted), so a lost download is
    downloaded again."""
    number = cycle_number(cycle_id)
    day = params.day(date, now_of(request).date())
    database = request.app.state.database
    with database.read() as session:
        viewer.require_within(cycle_jurisdiction(session, number), f"发放批次 {number}")
        month = cycle_of(session, number).month
    with viewer.acting(), database.write() as session:
        bank_file = export_service(session, number, day, user=viewer.name, now=now_of(request))
    name = f"bank-{number}-{month}.csv"
    return Response(bank_file.data, media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f"attachment; filename=\"{name}\"; filename*=UTF-8''"
                                                    f"{quote(f'{month}-第{number}号批次-银行代发.csv')}"})


@routes.post("/cycles/{cycle_id}/returns", roles=("preparer",))
def book_returns(request: Request, viewer: SignedIn, cycle_id: str, returns: UploadFile | None = None,
                 date: Annotated[str, Form(max_length=10)] = "") -> Response:
    """`cycle returns CYCLE --file FILE`: the bank's returns booked and the cycle settled (an empty list settles
    it all); back to the cycle's page."""
    number = cycle_number(cycle_id)
    day = params.day(date, now_of(request).date())
    database = request.app.state.database
    with database.read() as session:
        viewer.require_within(cycle_jurisdiction(session, number), f"发放批次 {number}")
    with tempfile.TemporaryDirectory(prefix="aidledger-upload-") as name:
        path = text_file(returns, Path(name), "银行退票")
        with viewer.acting(), database.write() as session:
            book_service(session, number, text_of(path), path.name, day, user=viewer.name, now=now_of(request))
    return RedirectResponse(f"/cycles/{number}#returns", status_code=303)
