"""A county whose policy names its paying banks ([[bank]]): `cycle export-bank` writes one file per bank in its
layout and the payment order, never overwrites, reprints the same bytes; `cycle returns` reads a bank's own returns
file and stores the reason codes; `cycle settle` settles a cycle nothing came back of."""

from __future__ import annotations

import csv
import hashlib
import io
import subprocess
from pathlib import Path

import openpyxl
import pytest
from cycle_helpers import (
    D,
    allocate,
    approve,
    households_csv,
    load_example_registry,
    ok,
    run_cycle,
    scalar,
    show,
    sql,
    verify,
    write_returns,
)
from support import ADMIN, EXAMPLE_POLICIES, PREPARER, assert_refused, refused_unchanged

from aidledger.disbursement.banks.layout import banks_of
from aidledger.disbursement.banks.order import files_digest
from aidledger.disbursement.banks.reader import read_payment_file
from aidledger.policy import parse_policy

DATA = Path(__file__).resolve().parents[2] / "aidledger" / "demo_data"
BANKS_TEXT = (DATA / "banks" / "230523-banks.toml").read_text(encoding="utf-8")
HOUSEHOLDS = households_csv()
JAN_TOTAL = D("9639.00")


def county_with(tmp_path: Path, extra: str) -> list[str]:
    """The example chain with the county's file extended by `extra`."""
    county = next(p for p in EXAMPLE_POLICIES if p.name.startswith("230523"))
    path = tmp_path / "policies" / county.name
    path.parent.mkdir(exist_ok=True)
    path.write_text(county.read_text(encoding="utf-8") + "\n" + extra, encoding="utf-8")
    return [str(p) for p in EXAMPLE_POLICIES if p != county] + [str(path)]


def layouts(tmp_path: Path):
    text = Path(county_with(tmp_path, BANKS_TEXT)[-1]).read_text(encoding="utf-8")
    return {b.code: b for b in banks_of(parse_policy(text, "230523-baoqing.toml").body["bank"])}


@pytest.fixture
def approved(people, tmp_path):
    """The example county with two banks, 2022-01 run and approved; returns (run, cycle id)."""
    ok(people("policy", "load", *county_with(tmp_path, BANKS_TEXT), user=ADMIN))
    load_example_registry(people)
    allocate(people)
    cycle_id = run_cycle(people, "2022-01")
    approve(people, cycle_id, "2022-01-05")
    return people, cycle_id


def export(run, cycle_id, out, *more):
    return run("cycle", "export-bank", str(cycle_id), "--out", str(out), "--date", "2022-01-06", *more,
               user=PREPARER)


def test_one_file_per_bank_in_its_layout_and_the_payment_order(approved, tmp_path):
    run, cycle_id = approved
    out = tmp_path / "bank"
    printed = ok(export(run, cycle_id, out))
    assert "9639.00" in printed and "payment-order-2022-01-1.pdf" in printed
    assert sorted(p.name for p in out.iterdir()) == ["payment-order-2022-01-1.pdf", "psbc-2022-01.txt",
                                                      "rcb-2022-01.csv"]
    banks = layouts(tmp_path)
    rows = {code: read_payment_file(banks[code], (out / name).read_bytes())
            for code, name in (("rcb", "rcb-2022-01.csv"), ("psbc", "psbc-2022-01.txt"))}
    lines = {line["household_id"]: line for line in show(run, cycle_id)["lines"]}
    paid = {r["bank_account"]: D(r["amount"]) / (100 if code == "psbc" else 1)
            for code, file_rows in rows.items() for r in file_rows}
    assert paid == {line["bank_account"]: D(line["amount"]) for line in lines.values()}
    assert sum(paid.values()) == JAN_TOTAL
    assert {r["bank_account"][:18] for r in rows["psbc"]} <= {p for p in banks["psbc"].prefixes}
    text = (out / "rcb-2022-01.csv").read_bytes().decode("gb18030")
    trailer = list(csv.reader(io.StringIO(text)))[-1]
    assert trailer[0] == "合计" and D(trailer[3]) == sum(D(r["amount"]) for r in rows["rcb"])
    order = subprocess.run(["pdftotext", "-layout", str(out / "payment-order-2022-01-1.pdf"), "-"], check=True,
                           capture_output=True, text=True).stdout
    assert "救助资金支付令（拨款通知）" in order and "人民币玖仟陆佰叁拾玖元整" in order and "9,639.00" in order
    rcb_total = sum(D(r["amount"]) for r in rows["rcb"])
    assert "宝清县农村商业银行" in order and f"{rcb_total:,.2f}" in order
    digest = files_digest([(n, (out / n).read_bytes()) for n in ("rcb-2022-01.csv", "psbc-2022-01.txt")])
    assert scalar(run.url, "SELECT sha256 FROM cycle_exports WHERE cycle_id = :c AND kind = 'export'",
                  c=cycle_id) == digest
    assert show(run, cycle_id)["status"] == "exported"
    verify(run)


def test_reprint_writes_identical_bytes_and_is_recorded(approved, tmp_path):
    run, cycle_id = approved
    ok(export(run, cycle_id, tmp_path / "first"))
    ok(export(run, cycle_id, tmp_path / "first"))  # the same bytes over themselves: no --force needed
    printed = ok(export(run, cycle_id, tmp_path / "again"))
    assert "reprinted" in printed
    for name in ("rcb-2022-01.csv", "psbc-2022-01.txt", "payment-order-2022-01-1.pdf"):
        assert (tmp_path / "again" / name).read_bytes() == (tmp_path / "first" / name).read_bytes()
    kinds = [r[0] for r in sql(run.url, "SELECT kind FROM cycle_exports WHERE cycle_id = :c ORDER BY id",
                               c=cycle_id)]
    assert kinds == ["export", "reprint", "reprint"]


def test_an_existing_file_is_not_overwritten_without_force(approved, tmp_path):
    run, cycle_id = approved
    out = tmp_path / "bank"
    out.mkdir()
    (out / "rcb-2022-01.csv").write_text("someone's notes", encoding="utf-8")
    refused_unchanged(run, run.url, ("cycle", "export-bank", str(cycle_id), "--out", str(out), "--date",
                                     "2022-01-06"), PREPARER, f"{out / 'rcb-2022-01.csv'}: already exists",
                      "--force")
    assert (out / "rcb-2022-01.csv").read_text(encoding="utf-8") == "someone's notes"
    assert sorted(p.name for p in out.iterdir()) == ["rcb-2022-01.csv"]
    ok(export(run, cycle_id, out, "--force"))
    assert (out / "rcb-2022-01.csv").read_bytes().decode("gb18030").startswith("序号,账号,户名")


def test_an_account_routed_to_no_bank_is_refused_before_anything_is_written_or_posted(people, tmp_path):
    only_psbc = BANKS_TEXT.replace('prefixes = ["621700001"]', 'prefixes = ["622"]')
    ok(people("policy", "load", *county_with(tmp_path, only_psbc), user=ADMIN))
    load_example_registry(people)
    allocate(people)
    cycle_id = run_cycle(people, "2022-01")
    approve(people, cycle_id, "2022-01-05")
    out = tmp_path / "bank"
    result = refused_unchanged(people, people.url, ("cycle", "export-bank", str(cycle_id), "--out", str(out),
                                                    "--date", "2022-01-06"), PREPARER,
                               "household H006's account 621700*********0060 starts with no prefix")
    assert "6217000010000000060" not in result.stderr
    assert not out.exists() or list(out.iterdir()) == []
    assert show(people, cycle_id)["status"] == "approved"


def psbc_returns(path: Path, rows) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["中国邮政储蓄银行代发失败明细"])
    sheet.append(["序号", "账号", "户名", "金额(元)", "失败原因"])
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


def rcb_returns(path: Path, rows) -> Path:
    with open(path, "w", encoding="gb18030", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["账号", "户名", "金额", "失败原因"])
        writer.writerows(rows)
    return path


def amount_of(run, cycle_id, household) -> str:
    return next(line["amount"] for line in show(run, cycle_id)["lines"] if line["household_id"] == household)


def test_returns_in_the_banks_own_layouts_store_their_reason_codes(approved, tmp_path):
    run, cycle_id = approved
    ok(export(run, cycle_id, tmp_path / "bank"))
    h002, h006 = HOUSEHOLDS["H002"], HOUSEHOLDS["H006"]
    psbc = psbc_returns(tmp_path / "psbc-退票.xlsx", [[1, h002["bank_account"], h002["payee_name"],
                                                      float(amount_of(run, cycle_id, "H002")), "账户已销户"]])
    printed = ok(run("cycle", "returns", str(cycle_id), "--file", str(psbc), "--date", "2022-01-10",
                     user=PREPARER))
    assert "1 payment(s) returned" in printed
    reasons = sql(run.url, "SELECT household_id, reason FROM bank_returns WHERE cycle_id = :c", c=cycle_id)
    assert [tuple(r) for r in reasons] == [("H002", "closed: 账户已销户")]
    shown = show(run, cycle_id)
    assert shown["status"] == "settled"
    assert [(r["reason"], r["reason_code"]) for r in shown["returns"]] == [("账户已销户", "closed")]
    verify(run)
    del h006


def test_a_csv_returns_file_in_gb18030_with_an_unknown_reason(approved, tmp_path):
    run, cycle_id = approved
    ok(export(run, cycle_id, tmp_path / "bank"))
    h006 = HOUSEHOLDS["H006"]
    path = rcb_returns(tmp_path / "rcb.csv", [[h006["bank_account"], h006["payee_name"],
                                               amount_of(run, cycle_id, "H006"), "对方行系统繁忙"]])
    ok(run("cycle", "returns", str(cycle_id), "--file", str(path), "--bank", "rcb", "--date", "2022-01-10",
           user=PREPARER))
    assert scalar(run.url, "SELECT reason FROM bank_returns WHERE cycle_id = :c", c=cycle_id) == "other: 对方行系统繁忙"


def test_returns_problems_are_named_and_nothing_is_booked(approved, tmp_path):
    run, cycle_id = approved
    ok(export(run, cycle_id, tmp_path / "bank"))
    h006 = HOUSEHOLDS["H006"]
    path = rcb_returns(tmp_path / "rcb.csv", [[h006["bank_account"], h006["payee_name"], "1.00", "销户"],
                                              ["6217000010000000999", "某某", "2.00", "账号不存在"],
                                              [h006["bank_account"], "x", "1,2", "销户"]])
    refused_unchanged(run, run.url, ("cycle", "returns", str(cycle_id), "--file", str(path), "--date",
                                     "2022-01-10"), PREPARER, "rcb.csv line 4, column 金额: '1,2'")
    path = rcb_returns(tmp_path / "rcb.csv", [[h006["bank_account"], h006["payee_name"], "1.00", "销户"],
                                              ["6217000010000000999", "某某", "2.00", "账号不存在"]])
    refused_unchanged(run, run.url, ("cycle", "returns", str(cycle_id), "--file", str(path), "--date",
                                     "2022-01-10"), PREPARER, "rcb.csv line 2: account 6217000010000000060 was paid",
                      "rcb.csv line 3: account 6217000010000000999 matches no payment")
    assert_refused(run("cycle", "returns", str(cycle_id), "--file", str(path), "--bank", "boc", user=PREPARER),
                   "--bank boc: the policy's banks are rcb (宝清县农村商业银行), psbc")
    other = tmp_path / "other.csv"
    other.write_text("a,b\n1,2\n", encoding="utf-8")
    assert_refused(run("cycle", "returns", str(cycle_id), "--file", str(other), user=PREPARER),
                   "fit no bank's returns layout")


def test_the_old_returns_columns_still_work_with_banks(approved, tmp_path):
    run, cycle_id = approved
    ok(export(run, cycle_id, tmp_path / "bank"))
    h006 = HOUSEHOLDS["H006"]
    path = write_returns(tmp_path / "r.csv", [(h006["bank_account"], amount_of(run, cycle_id, "H006"), "账户冻结")])
    ok(run("cycle", "returns", str(cycle_id), "--file", str(path), "--date", "2022-01-10", user=PREPARER))
    assert scalar(run.url, "SELECT reason FROM bank_returns WHERE cycle_id = :c", c=cycle_id) == "账户冻结"


def test_settle_without_returns(approved, tmp_path):
    run, cycle_id = approved
    assert_refused(run("cycle", "settle", str(cycle_id), user=PREPARER), "exported")
    ok(export(run, cycle_id, tmp_path / "bank"))
    assert ok(run("cycle", "settle", str(cycle_id), "--date", "2022-01-10", user=PREPARER)) == \
        f"cycle {cycle_id} settled; nothing returned"
    assert show(run, cycle_id)["status"] == "settled"
    assert scalar(run.url, "SELECT count(*) FROM bank_returns") == 0
    verify(run)
    assert_refused(run("cycle", "settle", str(cycle_id), user=PREPARER), "settled")


def test_without_banks_the_one_csv_and_its_rules_stay(county, tmp_path):
    load_example_registry(county)
    allocate(county)
    cycle_id = run_cycle(county, "2022-01")
    approve(county, cycle_id, "2022-01-05")
    out = tmp_path / "bank.csv"
    out.write_text("old", encoding="utf-8")
    refused_unchanged(county, county.url, ("cycle", "export-bank", str(cycle_id), "--out", str(out), "--date",
                                           "2022-01-06"), PREPARER, "already exists")
    out.unlink()
    ok(county("cycle", "export-bank", str(cycle_id), "--out", str(out), "--date", "2022-01-06", user=PREPARER))
    assert hashlib.sha256(out.read_bytes()).hexdigest() == scalar(
        county.url, "SELECT sha256 FROM cycle_exports WHERE cycle_id = :c", c=cycle_id)
    assert_refused(county("cycle", "export-bank", str(cycle_id), "--out", str(tmp_path), user=PREPARER), "folder")
    ok(county("cycle", "settle", str(cycle_id), "--date", "2022-01-10", user=PREPARER))


def test_policy_load_refuses_a_layout_that_cannot_hold_its_amounts(people, tmp_path):
    narrow = BANKS_TEXT.replace('{ field = "amount", width = 12', '{ field = "amount", width = 9')
    narrow = narrow.replace('{ field = "bank_account", width = 30 }', '{ field = "bank_account", width = 20 }')
    refused_unchanged(people, people.url, ("policy", "load", *county_with(tmp_path, narrow)), ADMIN,
                      "bank[1].columns[3].width: bank 中国邮政储蓄银行宝清县支行, column amount: width 9 cannot hold "
                      "99,999,999.99 yuan as fen: it needs 10",
                      "bank[1].columns[1].width: bank 中国邮政储蓄银行宝清县支行, column bank_account: width 20 cannot "
                      "hold an account of up to 30 digits: it needs 30")
