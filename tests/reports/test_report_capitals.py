"""人民币大写: amounts in Chinese capitals, by the standard rules (零 placement, 元整, 壹拾)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from aidledger.ledger.capitals import rmb_capitals

CASES = [
    ("0.00", "零元整"),
    ("0.05", "伍分"),
    ("0.50", "伍角"),
    ("0.55", "伍角伍分"),
    ("1.00", "壹元整"),
    ("10.00", "壹拾元整"),
    ("10.10", "壹拾元壹角"),
    ("12.05", "壹拾贰元零伍分"),
    ("16.15", "壹拾陆元壹角伍分"),  # the standard's own example
    ("20.50", "贰拾元伍角"),
    ("101.00", "壹佰零壹元整"),
    ("110.00", "壹佰壹拾元整"),
    ("1000.01", "壹仟元零壹分"),
    ("1001.00", "壹仟零壹元整"),
    ("1010.00", "壹仟零壹拾元整"),
    ("1680.32", "壹仟陆佰捌拾元叁角贰分"),
    ("9639.00", "玖仟陆佰叁拾玖元整"),  # the example county's January cycle
    ("10000.00", "壹万元整"),
    ("100001.00", "壹拾万零壹元整"),
    ("100010.00", "壹拾万零壹拾元整"),
    ("100500.00", "壹拾万零伍佰元整"),
    ("105000.00", "壹拾万伍仟元整"),
    ("1000000.00", "壹佰万元整"),
    ("1000100.00", "壹佰万零壹佰元整"),
    ("100000001.00", "壹亿零壹元整"),
    ("100001000.00", "壹亿零壹仟元整"),
    ("120000000.00", "壹亿贰仟万元整"),
    ("1000050000.00", "壹拾亿零伍万元整"),
    ("200000000000.00", "贰仟亿元整"),
    ("-3.40", "负叁元肆角"),
]


@pytest.mark.parametrize("amount, capitals", CASES, ids=[c[0] for c in CASES])
def test_capitals(amount, capitals):
    assert rmb_capitals(Decimal(amount)) == capitals


@pytest.mark.parametrize("amount", ["0.001", "1.555"])
def test_more_than_fen_is_refused(amount):
    with pytest.raises(ValueError, match="two decimal places"):
        rmb_capitals(Decimal(amount))


def test_whole_amounts_never_end_in_jiao_or_fen_units():
    for yuan in range(0, 30_000, 7):
        text = rmb_capitals(Decimal(yuan))
        assert text.endswith("元整") and "零零" not in text and not text.startswith("零" if yuan else "-")
