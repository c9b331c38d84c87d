"""The paying banks' layouts (pure): payment files written and read back in csv, xlsx and fixed width, in utf-8
and gb18030; returns files in a bank's layout with its failure texts coded; amounts in capitals; the policy
refusing layouts that cannot hold what they must."""

from __future__ import annotations

import csv
import io
from datetime import datetime
from decimal import Decimal as D
from pathlib import Path

import openpyxl
import pytest

from aidledger.disbursement.banks.layout import Router, banks_of
from aidledger.disbursement.banks.reader import parse_reason, read_payment_file, read_returns, rows_of, stored_reason
from aidledger.disbursement.banks.writer import Payment, payment_file
from aidledger.errors import Refusal
from aidledger.ledger.capitals import rmb_capitals
from aidledger.policy import parse_policy

DATA = Path(__file__).resolve().parents[2] / "aidledger" / "demo_data"
COUNTY = (DATA / "230523-baoqing.toml").read_text(encoding="utf-8")
BANKS = (DATA / "banks" / "230523-banks.toml").read_text(encoding="utf-8")
STAMP = datetime(2022, 3, 15)
PAYMENTS = [Payment("H001", "王建国", "6217000010000000011", D("1242.00"), "2022年03月低保金"),
            Payment("H006", "宝清县社会福利院", "6217000010000000060", D("1675.50"), "2022年03月特困供养金"),
            Payment("H009", "周晓东", "621700001000000009412345678901", D("0.05"), "2022年03月低保金")]


def banks(text: str = BANKS):
    return banks_of(parse_policy(COUNTY + "\n" + text, "230523-baoqing.toml").body["bank"])


def refusal(text: str) -> list[str]:
    with pytest.raises(Refusal) as caught:
        parse_policy(COUNTY + "\n" + text, "230523-baoqing.toml")
    return caught.value.messages if hasattr(caught.value, "messages") else [str(caught.value)]


def layout(fmt: str, encoding: str, **extra: str) -> str:
    widths = fmt == "fixed"
    cols = [("seq", "序号", 8), ("household_id", "户编号", 10), ("payee_name", "户名", 40),
            ("bank_account", "账号", 30), ("amount", "金额", 12), ("purpose", "用途", 30)]
    cells = ",\n".join("  { field = '%s', title = '%s'%s }" % (f, t, f", width = {w}" if widths else "")
                       for f, t, w in cols)
    trailer = "{ field = 'literal', value = 'T'%s }, { field = 'count'%s }, { field = 'total'%s }" % (
        (", width = 1", ", width = 8", ", width = 12") if widths else ("", "", ""))
    more = "".join(f"{k} = {v}\n" for k, v in extra.items())
    enc = "" if fmt == "xlsx" else f"encoding = '{encoding}'\n"
    return (f"[[bank]]\nname = '测试银行'\ncode = 't'\nprefixes = ['6217']\nformat = '{fmt}'\n{enc}{more}"
            f"columns = [\n{cells}\n]\ntrailer = [{trailer}]\n")


@pytest.mark.parametrize(("fmt", "encoding"), [("csv", "utf-8"), ("csv", "gb18030"), ("csv", "utf-8-sig"),
                                               ("xlsx", ""), ("fixed", "utf-8"), ("fixed", "gb18030")])
def test_a_payment_file_reads_back_in_its_layout(fmt, encoding):
    (bank,) = banks(layout(fmt, encoding))
    written = payment_file(bank, PAYMENTS, "2022-03", 3, STAMP)
    extension = {"fixed": "txt"}.get(fmt, fmt)
    assert (written.count, written.total, written.name) == (3, D("2917.55"), f"t-2022-03.{extension}")
    rows = read_payment_file(bank, written.data)
    assert [r["payee_name"] for r in rows] == ["王建国", "宝清县社会福利院", "周晓东"]
    assert [r["bank_account"] for r in rows] == [p.bank_account for p in PAYMENTS]
    assert sum(D(r["amount"]) for r in rows) == D("2917.55")
    assert payment_file(bank, PAYMENTS, "2022-03", 3, STAMP).data == written.data  # the same bytes again
    if fmt == "csv":
        text = written.data.decode({"gb18030": "gb18030"}.get(encoding, "utf-8-sig"))
        assert list(csv.reader(io.StringIO(text)))[-1] == ["T", "3", "2917.55"]
        assert written.data.startswith(b"\xef\xbb\xbf") == (encoding == "utf-8-sig")
    if fmt == "fixed":
        lines = written.data.split(b"\r\n")
        assert {len(line) for line in lines[:-1] if not line.startswith(b"T")} == {130}  # widths in bytes
        assert lines[-2] == b"T" + b"       3" + b"     2917.55"
        if encoding == "gb18030":
            assert "王建国".encode("gb18030") in written.data
    if fmt == "xlsx":
        sheet = openpyxl.load_workbook(io.BytesIO(written.data)).active
        assert sheet.cell(2, 3).value == "王建国" and sheet.cell(2, 5).value == "1242.00"


def test_xlsx_is_dated_by_the_data_not_the_clock():
    (bank,) = banks(layout("xlsx", ""))
    one = payment_file(bank, PAYMENTS, "2022-03", 3, STAMP).data
    other = payment_file(bank, PAYMENTS, "2022-03", 3, datetime(2022, 4, 1)).data
    assert one != other
    assert openpyxl.load_workbook(io.BytesIO(one)).properties.created == STAMP


def test_fixed_width_amounts_in_fen_with_zeros_and_a_header():
    rcb, psbc = banks()
    written = payment_file(psbc, PAYMENTS[:1], "2022-03", 3, STAMP)
    header, line = written.data.split(b"\r\n")[:2]
    assert header == b"H" + b"psbc    " + b"2022-03" + b"00000001" + b"000000124200"
    assert line.startswith(b"00000001" + b"6217000010000000011".ljust(30))
    assert b"000000124200" in line and len(line) == 8 + 30 + 40 + 12 + 30


def test_a_value_wider_than_its_column_or_outside_the_encoding_is_refused_naming_the_household():
    rcb, psbc = banks()
    long_name = Payment("H002", "李" * 21, "6217000010000000029", D("1.00"), "x")
    with pytest.raises(Refusal, match="household H002.*42 bytes do not fit column payee_name of width 40"):
        payment_file(psbc, [long_name], "2022-03", 3, STAMP)
    (gbk,) = banks(layout("csv", "gbk"))
    with pytest.raises(Refusal, match="H003.*cannot be written in gbk"):
        payment_file(gbk, [Payment("H003", "张𠀀明", "6217000010000000037", D("1.00"), "x")], "2022-03", 3, STAMP)


def test_the_longest_prefix_routes_an_account():
    rcb, psbc = banks()
    router = Router((rcb, psbc))
    assert router.bank_of("6217000010000000011") is psbc  # 621700001000000001… is longer than 621700001
    assert router.bank_of("6217000010000000060") is rcb
    assert router.bank_of("6222000000000000000") is None


def test_demo_households_split_between_the_two_banks():
    rcb, psbc = banks()
    router = Router((rcb, psbc))
    accounts = [f"62170000100000000{n:02d}" for n in (11, 29, 37, 45, 52, 60, 78, 86, 94)] + [
        "6217000010000000102", "6217000010000000110"]
    codes = [router.bank_of(a).code for a in accounts]
    assert codes.count("psbc") == 5 and codes.count("rcb") == 6


def returns_csv(rows, encoding="gb18030") -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows([["账号", "户名", "金额", "失败原因"], *rows])
    return out.getvalue().encode(encoding)


def returns_xlsx(rows) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["宝清县2022年3月代发失败明细"])  # a banner above the titles (header_row = 2)
    sheet.append(["序号", "账号", "户名", "金额(元)", "失败原因"])
    for row in rows:
        sheet.append(row)
    sheet.append(["合计", None, None, 1032, None])  # no account: not a return
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_returns_in_each_banks_layout_with_reason_codes():
    rcb, psbc = banks()
    data = returns_csv([["6217000010000000060", "宝清县社会福利院", "1675.50", "账户已销户"],
                        ["6217000010000000078", "赵海军", "500.00", "对方行系统繁忙"],
                        ["6217000010000000086", "孙立平", "12.00", "户名不符,请核实"]])
    rows, problems = read_returns(rcb, rows_of(data, "csv", "gb18030", "r.csv"), "r.csv")
    assert problems == []
    assert [(r.line, r.amount, r.code, r.reason) for r in rows] == [
        (2, D("1675.50"), "closed", "账户已销户"), (3, D("500.00"), "other", "对方行系统繁忙"),
        (4, D("12.00"), "name_mismatch", "户名不符,请核实")]
    data = returns_xlsx([[1, "6217000010000000029", "李秀英", 1032, "已销户"],
                         [2, "6217000010000000011", "王建国", 1242.5, "账户冻结"]])
    rows, problems = read_returns(psbc, rows_of(data, "xlsx", "", "r.xlsx"), "r.xlsx")
    assert problems == []
    assert [(r.line, r.account, r.amount, r.code) for r in rows] == [
        (3, "6217000010000000029", D("1032.00"), "closed"), (4, "6217000010000000011", D("1242.50"), "frozen")]


def test_returns_problems_name_file_line_column_and_value():
    rcb, _ = banks()
    data = returns_csv([["6217000010000000060", "x", "12.345", "销户"], ["62170000x", "y", "1.00", ""]])
    rows, problems = read_returns(rcb, rows_of(data, "csv", "gb18030", "r.csv"), "r.csv")
    assert rows == []
    assert problems[0].startswith("r.csv line 2, column 金额: '12.345'")
    assert problems[1] == "r.csv line 3, column 账号: '62170000x' is not an account number"
    with pytest.raises(Refusal, match="not gb18030 text"):
        rows_of(b"\xff\xfe\x00", "csv", "gb18030", "r.csv")


def test_the_stored_reason_keeps_code_and_text():
    assert stored_reason("closed", "账户已销户") == "closed: 账户已销户"
    assert parse_reason("closed: 账户已销户") == ("closed", "账户已销户")
    assert parse_reason("账户已销户") == (None, "账户已销户")


@pytest.mark.parametrize(("amount", "words"), [
    ("9639.00", "玖仟陆佰叁拾玖元整"), ("1242", "壹仟贰佰肆拾贰元整"), ("10005.30", "壹万零伍元叁角"),
    ("100.05", "壹佰元零伍分"), ("0.05", "伍分"), ("0", "零元整"), ("1001000", "壹佰万壹仟元整"),
    ("100000000", "壹亿元整"), ("100010000", "壹亿零壹万元整"), ("120000000.10", "壹亿贰仟万元壹角"),
    ("1010.01", "壹仟零壹拾元零壹分"), ("99999999.99", "玖仟玖佰玖拾玖万玖仟玖佰玖拾玖元玖角玖分"),
    ("20000", "贰万元整"), ("1100500", "壹佰壹拾万零伍佰元整")])
def test_amounts_in_capitals(amount, words):
    assert rmb_capitals(D(amount)) == words


def test_a_fixed_amount_column_too_narrow_is_refused_with_its_figures():
    text = BANKS.replace("{ field = \"amount\", width = 12", "{ field = \"amount\", width = 9")
    (message,) = [m for m in refusal(text) if "width 9" in m]
    assert "bank[1].columns[3].width" in message
    assert "中国邮政储蓄银行宝清县支行, column amount: width 9 cannot hold 99,999,999.99 yuan as fen: it needs 10" \
        in message


def test_an_account_column_narrower_than_30_is_refused():
    text = BANKS.replace("{ field = \"bank_account\", width = 30 }", "{ field = \"bank_account\", width = 19 }")
    assert any("column bank_account: width 19 cannot hold an account of up to 30 digits: it needs 30" in m
               for m in refusal(text))


def test_two_banks_with_one_prefix_are_refused():
    text = BANKS.replace('prefixes = ["621700001"]', 'prefixes = ["621700001000000002"]')
    assert any("bank[1].prefixes: bank 中国邮政储蓄银行宝清县支行: prefix '621700001000000002' is already routed to "
               "bank 宝清县农村商业银行" in m for m in refusal(text))


def test_unknown_fields_formats_and_encodings_are_refused():
    text = BANKS.replace('{ field = "purpose", title = "摘要" }', '{ field = "id_number", title = "身份证号" }')
    text = text.replace('format = "fixed"', 'format = "dbf"')
    problems = refusal(text.replace('encoding = "gb18030"\ntitles', 'encoding = "big5"\ntitles'))
    text = "\n".join(problems)
    assert "bank[0].columns[4].field: 'id_number' is not one of 'seq'" in text
    assert "bank[1].format: 'dbf' is not one of 'csv', 'xlsx', 'fixed'" in text
    assert "bank[1].encoding: 'big5' is not one of" in text


def test_a_single_byte_encoding_cannot_hold_payee_names():
    assert any("ascii is a single-byte encoding" in m for m in refusal(layout("csv", "ascii")))


def test_a_policy_without_banks_has_none():
    assert banks_of(parse_policy(COUNTY, "230523-baoqing.toml").body.get("bank")) == ()
