"""The pure rules of authentication: scopes, the growing delay, tokens and password hashes."""

from __future__ import annotations

import pytest

from aidledger.auth import hashing
from aidledger.auth.scope import contains, level_of, township_of, within
from aidledger.auth.throttle import CAP_SECONDS, delay_after


@pytest.mark.parametrize("code, level", [("230000", "province"), ("230500", "city"), ("230523", "county"),
                                         ("230523100", "township"), ("2305", None), ("23052x", None)])
def test_levels(code, level):
    assert level_of(code) == level


@pytest.mark.parametrize("scope, code, inside", [
    (None, "230523100", True), ("230000", "230523100", True), ("230500", "230523", True),
    ("230500", "230600", False), ("230523", "230523101", True), ("230523", "230524", False),
    ("230523100", "230523100", True), ("230523100", "230523101", False), ("230523100", "230523", False),
    ("230000", "240000", False), ("230523", None, False),
])
def test_within(scope, code, inside):
    assert within(scope, code) is inside


def test_a_county_contains_its_townships_clerk_and_no_one_elses():
    assert contains("230523", "230523100") and not contains("230523", "230524100")
    assert not contains("230523", None) and not contains("230523100", "230523100")
    assert township_of("230523100") == "230523100" and township_of("230523") is None


def test_the_delay_doubles_from_the_fourth_failure_and_is_capped():
    assert [delay_after(n) for n in range(7)] == [0, 0, 0, 1, 2, 4, 8]
    assert delay_after(20) == min(2 ** 17, CAP_SECONDS) == CAP_SECONDS
    assert delay_after(10_000) == CAP_SECONDS


def test_tokens_are_checked_by_their_hash_and_shape():
    token_id, token, stored = hashing.new_token()
    assert hashing.split_token(token) == (token_id, token.split("_", 2)[2])
    assert hashing.digest_matches(stored, token.split("_", 2)[2])
    assert not hashing.digest_matches(stored, "guess") and not hashing.digest_matches(None, "x")
    for bad in ("", "ald_", "xyz_12345678_abc", "ald_123_abc", "ald_12345678_"):
        assert hashing.split_token(bad) is None


def test_passwords_hash_with_argon2id_and_verify_only_themselves():
    stored = hashing.hash_password("correct-horse-9")
    assert stored.startswith("$argon2id$")
    assert hashing.password_matches(stored, "correct-horse-9")
    assert not hashing.password_matches(stored, "correct-horse-8")
    assert not hashing.password_matches("not a hash", "x") and not hashing.password_matches(None, "x")
    assert hashing.password_problem("short") and hashing.password_problem(" padded-password ")
    assert hashing.password_problem("long-enough") is None
