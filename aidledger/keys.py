"""The books' keys, kept outside the database: a folder of key files.

Where: the folder `AIDLEDGER_KEYS` names; else, for a SQLite database, a folder beside its file
(`county.db` → `county.db.keys/`). A PostgreSQL deployment names its folder with `AIDLEDGER_KEYS` (on the
application server, readable by aidledger's user only, backed up apart from the database: docs/ledger.md).
The checkpoint signing key (`checkpoint.ed25519`, PEM, mode 0600) is made on first use, so `ledger checkpoint`
works with no set-up; so is the chain key (`chain.hmac`, 32 random bytes in hex, mode 0600) that keys every seal
of the evidence chain, unless `AIDLEDGER_CHAIN_KEY` gives it (64 hex digits). An in-memory SQLite database lives
and dies with its process, and so does its chain key.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from aidledger.errors import Refusal

SIGNING_KEY = "checkpoint.ed25519"
CHAIN_KEY = "chain.hmac"
_PROCESS_KEY = secrets.token_bytes(32)  # for in-memory databases only


def _in_memory(database_url: str) -> bool:
    scheme, _, rest = database_url.partition("://")
    return scheme.startswith("sqlite") and rest in ("", "/", "/:memory:")


def key_folder(database_url: str) -> Path:
    named = os.environ.get("AIDLEDGER_KEYS")
    if named:
        return Path(named)
    scheme, _, rest = database_url.partition(":///")
    if scheme == "sqlite" and rest and rest != ":memory:" and not rest.startswith("file:"):
        return Path(f"{rest.split('?', 1)[0]}.keys")
    raise Refusal("the books' keys are kept outside the database: name their folder with AIDLEDGER_KEYS "
                  "(docs/ledger.md, 'Keys')")


def signing_key(folder: Path) -> Ed25519PrivateKey:
    """The Ed25519 key checkpoints are signed with, made (readable by its owner only) when there is none yet."""
    path = folder / SIGNING_KEY
    try:
        if path.exists():
            key = serialization.load_pem_private_key(path.read_bytes(), password=None)
            if not isinstance(key, Ed25519PrivateKey):
                raise Refusal(f"{path} does not hold an Ed25519 key")
            return key
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        key = Ed25519PrivateKey.generate()
        pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(pem)
        return key
    except OSError as exc:
        raise Refusal(f"{path}: the signing key cannot be read or made: {exc.strerror or exc}") from None
    except ValueError as exc:
        raise Refusal(f"{path} does not hold a key ({exc})") from None


def chain_key(database_url: str, *, create: bool) -> bytes:
    """The HMAC-SHA-256 key of the evidence chain: AIDLEDGER_CHAIN_KEY, else the key folder's `chain.hmac`, made
    when there is none yet if `create` (a book's first seal). The database never holds it, so its seals cannot
    be recomputed from the database; a book already sealed whose key is missing is refused, not given a new key."""
    given = os.environ.get("AIDLEDGER_CHAIN_KEY")
    if given:
        return _hex_key(given.strip(), "AIDLEDGER_CHAIN_KEY")
    if _in_memory(database_url) and not os.environ.get("AIDLEDGER_KEYS"):
        return _PROCESS_KEY
    path = key_folder(database_url) / CHAIN_KEY
    try:
        if path.exists():
            return _hex_key(path.read_text(encoding="ascii").strip(), str(path))
        if not create:
            raise Refusal(f"the chain key of these books is not at {path}: its seals were made with it and cannot be "
                          "checked or extended without it (restore the key folder, or name it with AIDLEDGER_KEYS "
                          "or AIDLEDGER_CHAIN_KEY; docs/ledger.md, 'Keys')")
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        key = secrets.token_bytes(32)
        # Written whole to a private file, then linked into place: a second process racing to make the key
        # either links first or reads the complete key of the one that did.
        spare = path.with_name(f".{CHAIN_KEY}.{os.getpid()}.{secrets.token_hex(4)}")
        descriptor = os.open(spare, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w", encoding="ascii") as handle:
            handle.write(key.hex() + "\n")
        try:
            os.link(spare, path)
        except FileExistsError:
            return _hex_key(path.read_text(encoding="ascii").strip(), str(path))
        finally:
            spare.unlink()
        return key
    except (OSError, UnicodeDecodeError) as exc:
        raise Refusal(f"{path}: the chain key cannot be read or made: {getattr(exc, 'strerror', None) or exc}") \
            from None


def _hex_key(text: str, source: str) -> bytes:
    try:
        key = bytes.fromhex(text)
    except ValueError:
        key = b""
    if len(key) < 32:
        raise Refusal(f"{source} does not hold a chain key: 64 hexadecimal digits (32 bytes) are needed")
    return key


SEALED_BOOKS = "sealed-books"  # one line per database this key folder's chain key has sealed


def book_identity(database_url: str) -> str | None:
    """Which database a URL names, as the sealed-books list records it (None: an in-memory one)."""
    if _in_memory(database_url):
        return None
    scheme, _, rest = database_url.partition("://")
    if scheme.startswith("sqlite"):
        return "sqlite:" + os.path.realpath(rest[1:].split("?", 1)[0])
    netloc, _, database = rest.rpartition("/")
    host = netloc.rpartition("@")[2]
    return f"{scheme.split('+', 1)[0]}:{host}/{database.split('?', 1)[0]}"


def was_sealed(database_url: str) -> bool:
    """Whether this key folder's chain key already sealed the database: a book whose chain is found empty again
    was reset behind the application's back, and is not sealed afresh (which would launder what was changed)."""
    identity = book_identity(database_url)
    if identity is None or os.environ.get("AIDLEDGER_CHAIN_KEY"):
        return False
    path = key_folder(database_url) / SEALED_BOOKS
    try:
        return identity in path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        return False
    except OSError as exc:
        raise Refusal(f"{path}: cannot be read: {exc.strerror or exc}") from None


def note_sealed(database_url: str) -> None:
    identity = book_identity(database_url)
    if identity is None or os.environ.get("AIDLEDGER_CHAIN_KEY"):
        return
    path = key_folder(database_url) / SEALED_BOOKS
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    with os.fdopen(descriptor, "a", encoding="utf-8") as handle:
        handle.write(identity + "\n")


def forget_sealed(database_url: str) -> None:
    """Strike the database from the sealed-books list (its schema was taken back to before the chain)."""
    identity = book_identity(database_url)
    if identity is None or os.environ.get("AIDLEDGER_CHAIN_KEY"):
        return
    try:
        path = key_folder(database_url) / SEALED_BOOKS
        kept = [line for line in path.read_text(encoding="utf-8").splitlines() if line != identity]
        path.write_text("".join(line + "\n" for line in kept), encoding="utf-8")
    except (FileNotFoundError, Refusal):
        pass
