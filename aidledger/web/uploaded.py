"""Files sent from the browser, saved and judged by their content (never their name): a registry file (CSV text as
it is, or an Excel workbook written out as the CSV the import reads, registry/sheets.py), or a CSV that is not a
registry file (the bank's returns). Each is written to a private temporary folder under the name it was sent with
(the import records it as the source); the caller removes the folder after.
"""

from __future__ import annotations

import re
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType

from fastapi import UploadFile

from aidledger.disbursement.registry.sheets import NotAccepted, Sheet, file_kind, sheet_to_csv
from aidledger.errors import Refusal

LIMIT = 200 * 1024 * 1024  # bytes an uploaded file may hold (a province's registry is far below it)
CHUNK = 1024 * 1024
SAFE_NAME = re.compile(r"[^\w.\-]+")


@dataclass(frozen=True)
class Received:
    """An uploaded registry file: `path` is what the import reads (the file itself, or the CSV its workbook was
    written to, under the name it was sent with), `sheet` what the workbook came to."""

    path: Path
    sheet: Sheet | None = None

    @property
    def name(self) -> str:
        return self.path.name


@dataclass
class Uploaded:
    """The private temporary folder of one upload and the files received into it, removed when the request ends,
    unless a background job took it over (`hand_over`: the job removes it when it ends)."""

    folder: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="aidledger-upload-")))
    files: list[Received] = field(default_factory=list)
    handed_over: bool = False

    def hand_over(self) -> None:
        self.handed_over = True

    def remove(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)

    def __enter__(self) -> Uploaded:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 traceback: TracebackType | None) -> None:
        if not self.handed_over:
            self.remove()


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


def text_of(path: Path) -> str:
    """An uploaded file's UTF-8 text (a byte-order mark dropped), else a refusal naming it as it was sent."""
    try:
        return path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise Refusal(f"{path.name}: not UTF-8 text (byte {exc.start}); save the file as UTF-8 "
                      "（请在表格软件中“另存为 CSV UTF-8”）") from None


def sub_folder(folder: Path, name: str) -> Path:
    """A folder of its own for each of two files, so that two uploads of the same name do not overwrite."""
    (folder / name).mkdir()
    return folder / name
