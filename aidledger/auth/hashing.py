"""Passwords and tokens: how they are made, hashed and checked. Pure (argon2-cffi and the standard library).

Passwords are hashed with argon2id (argon2-cffi's defaults: 3 passes over 64 MiB, 4 lanes), so a stolen table
costs an attacker that much memory per guess. API tokens and session ids are 256 random bits: for them one
SHA-256 suffices (no guess is cheaper than the search itself), and it keeps every API call and page fast.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

_HASHER = PasswordHasher()
MIN_PASSWORD = 8
TOKEN_PREFIX = "ald"


def password_problem(password: str) -> str | None:
    """Why `password` may not be used, or None."""
    if len(password) < MIN_PASSWORD:
        return f"a password needs at least {MIN_PASSWORD} characters (this one has {len(password)})"
    if password.strip() != password:
        return "a password does not begin or end with spaces"
    return None


def hash_password(password: str) -> str:
    return _HASHER.hash(password)


def password_matches(stored: str | None, password: str) -> bool:
    if not stored:
        return False
    try:
        return _HASHER.verify(stored, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


# A hash to check against when the user does not exist, so that an unknown name costs the same time as a wrong
# password and a sign-in's timing does not tell which names exist.
DUMMY_HASH = _HASHER.hash("not a password of anyone")


def new_token() -> tuple[str, str, str]:
    """A new API token: (token id, the token as shown once, the hash stored)."""
    token_id = secrets.token_hex(4)
    secret = secrets.token_urlsafe(32)
    return token_id, f"{TOKEN_PREFIX}_{token_id}_{secret}", digest(secret)


def split_token(token: str) -> tuple[str, str] | None:
    """(token id, secret) of a well-formed token, else None."""
    parts = token.strip().split("_", 2)
    if len(parts) != 3 or parts[0] != TOKEN_PREFIX or len(parts[1]) != 8 or not parts[2]:
        return None
    return parts[1], parts[2]


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def digest_matches(stored: str | None, secret: str) -> bool:
    return stored is not None and hmac.compare_digest(stored, digest(secret))


def new_secret() -> str:
    """A session id or a CSRF token: 256 random bits."""
    return secrets.token_urlsafe(32)
