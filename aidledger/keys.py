"""The books' keys, kept outside the database: a folder of key files.

Where: the folder `AIDLEDGER_KEYS` names; else, for a SQLite database, a folder beside its file
(`county.db` → `county.db.keys/`). A PostgreSQL deployment names its folder with `AIDLEDGER_KEYS` (on the
application server, readable by aidledger's user only, backed up apart from the database: docs/ledger.md).
The checkpoint signing key (`checkpoint.ed25519`, PEM, mode 0600) is made on first use, so `ledger checkpoint`
works with no set-up.
"""

from __future__ import annotations

import os
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from aidledger.errors import Refusal

SIGNING_KEY = "checkpoint.ed25519"


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
