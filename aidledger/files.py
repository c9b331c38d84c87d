"""Files the product writes (bank files, reports, exports): never half-written, never ahead of their record.

A file is written to a temporary file beside its target (`.aidledger-<pid>-<random>-<name>.part`, in the same
folder, so the final rename stays on one file system and is atomic), flushed to disk, and renamed into place
only by `publish()`: a command that records the file (a bank file's export) publishes after its transaction
commits, so a kill at any moment leaves either no file and no record, the record and no file (the export is
reprinted, identical), or both; never a file for a cycle not marked exported. A kill leaves the temporary file
behind: the next write into the folder removes those whose process has ended (`sweep`).
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from aidledger.errors import Refusal

PREFIX = ".aidledger-"
SUFFIX = ".part"


class Staged:
    """A file being written beside its target; `publish()` moves it into place."""

    def __init__(self, target: Path, temporary: Path, stream: IO[bytes]):
        self.target, self.temporary, self.stream = target, temporary, stream
        self.published = False

    def write(self, data: bytes) -> None:
        self.stream.write(data)

    def publish(self) -> None:
        """Flush to disk and rename into place (atomically replacing what the target held)."""
        try:
            if not self.stream.closed:
                self.stream.flush()
                os.fsync(self.stream.fileno())
                self.stream.close()
            os.replace(self.temporary, self.target)
        except OSError as exc:
            raise Refusal(f"{self.target}: cannot be written: {exc.strerror or exc}") from None
        self.published = True


@contextmanager
def staged(target: str | os.PathLike[str]) -> Iterator[Staged]:
    """A temporary file beside `target`, removed unless published before the block ends."""
    target = Path(target)
    folder = target.parent if str(target.parent) else Path(".")
    sweep(folder)
    temporary = folder / f"{PREFIX}{os.getpid()}-{secrets.token_hex(4)}-{target.name}{SUFFIX}"
    try:
        stream = open(temporary, "xb")
    except OSError as exc:
        raise Refusal(f"{target}: cannot be written: {exc.strerror or exc}") from None
    file = Staged(target, temporary, stream)
    try:
        yield file
    finally:
        if not stream.closed:
            stream.close()
        if not file.published:
            temporary.unlink(missing_ok=True)


def sweep(folder: Path) -> list[Path]:
    """Remove the temporary files a killed aidledger left in `folder` (their process no longer runs)."""
    removed = []
    try:
        leftovers = [p for p in folder.iterdir() if p.name.startswith(PREFIX) and p.name.endswith(SUFFIX)]
    except OSError:
        return removed
    for path in leftovers:
        pid = path.name[len(PREFIX):].split("-", 1)[0]
        if pid.isdigit() and not _running(int(pid)):
            path.unlink(missing_ok=True)
            removed.append(path)
    return removed


def _running(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process: alive
        return True
    return True


def read_text(path: str) -> str:
    """A UTF-8 file's text, or a refusal naming the file."""
    try:
        with open(path, encoding="utf-8-sig") as handle:
            return handle.read()
    except FileNotFoundError:
        raise Refusal(f"{path}: no such file") from None
    except UnicodeDecodeError as exc:
        raise Refusal(f"{path}: not UTF-8 text (byte {exc.start}); save the file as UTF-8") from None
    except OSError as exc:
        raise Refusal(f"{path}: cannot be read: {exc.strerror}") from None


def read_bytes(path: str) -> bytes:
    """A file's bytes (a bank's file in its own encoding or a workbook), or a refusal naming the file."""
    try:
        with open(path, "rb") as handle:
            return handle.read()
    except FileNotFoundError:
        raise Refusal(f"{path}: no such file") from None
    except OSError as exc:
        raise Refusal(f"{path}: cannot be read: {exc.strerror}") from None


def not_overwriting(target: Path, data: bytes, force: bool) -> None:
    """Refuse to replace an existing file by other bytes, unless forced. The same bytes may be written again (a
    reprint after a crash between the commit and the rename finds its own file)."""
    if force or not target.exists():
        return
    if target.is_dir():
        raise Refusal(f"{target}: is a folder; name a file")
    if target.read_bytes() != data:
        raise Refusal(f"{target}: already exists with other contents; it is not overwritten (--force replaces it)")
