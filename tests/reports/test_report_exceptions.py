"""The audit pack's data, without a database: the exception finders and the figures, as tables of cases."""

from __future__ import annotations

import json
import re
from datetime import date
from decimal import Decimal

import pytest
from support import EXAMPLES

from aidledger.disbursement.registry.records import Event, Household, Member
from aidledger.disbursement.registry.state import StoredHousehold
from aidledger.disbursement.rules import Benefit, walk_to
from aidledger.disbursement.rules.first_month import CountyStart
from aidledger.policy import EffectivePolicy, parse_policy
from aidledger.reports.audit_data import (
    SPENDING_HEADS,
    ExpenseMovement,
    FundFigure,
    exception_sections,
    fund_statements,
    spending_head,
)
from aidledger.reports.audit_months import (
    MonthFigures,
    MonthLine,
    grand_total,
    month_figures,
    month_totals,
    months_table,
    split_line,
)
from aidledger.reports.exceptions_data import (
    KINDS,
    NO_CAP_OVERRIDES,
    BankReturnRecord,
    HeldRecord,
    PaidLine,
    ReceivableRecord,
    ReserveCaseRecord,
    amounts_differing,
    duplicate_ids,
    expected_amounts,
    held_lines,
    open_bank_returns,
    open_receivables,
    overdue_reserve_cases,
    payments_after_end,
    shared_accounts,
    verify_failures,
)
from aidledger.reports.register_parts import line_parts

D = Decimal
A, B, C = "230523197705100113", "230523197809020222", "230523201206150318"


def household(members: list[tuple[str, str, date | None]], events=()) -> StoredHousehold:
    h = Household("H1", "230523", "230523100", "urban", "dibao", D("900"), date(2021, 6, 15), None, "stable", None,
                  "王建国", "6217000010000000011")
    people = tuple(Member("H1", id_number, name, "head" if i == 0 else "child", date(1977, 5, 10), None, None, (),
                          None, False, died) for i, (id_number, name, died) in enumerate(members))
    return StoredHousehold(h, people, tuple(events))


def paid(month: str, members: int, household_id: str = "H1", amount: str = "1242.00", ids=(A,), added="0.00",
         returned="0.00", account="") -> PaidLine:
    return PaidLine(7, month, household_id, "dibao", members, D(amount), D(added), tuple(ids), D("0.00"), account,
                    D(returned))


def rules(household_id: str, month: str, amount: str) -> dict:
    return {(household_id, month): Benefit(household_id, "dibao", month, D(amount))}


@pytest.mark.parametrize("died, members_paid, flagged", [
    (date(2022, 1, 31), 3, True),   # died before February 1: not to be counted in February
    (date(2022, 2, 1), 3, False),   # died on the first day: still counts that month (facts.counts)
    (date(2022, 1, 31), 2, False),  # the cycle already left them out
    (None, 3, False),
])
def test_a_death_before_the_month(died, members_paid, flagged):
    registry = {"H1": household([(A, "王建国", None), (B, "马玉梅", None), (C, "王子涵", died)])}
    found = payments_after_end([paid("2022-02", members_paid)], registry, rules("H1", "2022-02", "828.00"))
    assert bool(found) is flagged
    if flagged:  # the part overpaid: paid for three, the rules give 828.00 for the two alive
        assert (found[0].household, found[0].month, found[0].amount) == ("H1", "2022-02", D("414.00"))
        assert "王子涵 230523********0318 于 2022-01-31 死亡" in found[0].rule
        assert "按在世 2 人应发 828.00 元，多发 414.00 元" in found[0].rule


def test_after_a_death_only_the_months_after_it_and_not_what_the_bank_returned():
    registry = {"H1": household([(A, "王建国", None), (C, "王子涵", date(2022, 2, 10))])}
    lines = [paid("2022-02", 2, amount="1000.00"), paid("2022-03", 2, amount="1000.00", returned="300.00"),
             paid("2022-04", 2, amount="1300.00", added="300.00")]  # April re-issues March's return
    expected = {**rules("H1", "2022-03", "600.00"), **rules("H1", "2022-04", "600.00")}
    found = payments_after_end(lines, registry, expected)
    assert [(e.month, e.amount) for e in found] == [("2022-03", D("100.00")), ("2022-04", D("400.00"))]
    assert "计发 1,000.00 元（其中 300.00 元被银行退回）" in found[0].rule and "发放 1,000.00" not in found[0].rule
    # A termination: the whole month's own payment is overpaid, an addition for an earlier month is not.
    ended = household([(A, "王建国", None)], [Event("H1", "terminate", date(2022, 3, 20), None, None)])
    found = payments_after_end([paid("2022-04", 1, amount="700.00", added="200.00")], {"H1": ended})
    assert [(e.month, e.amount) for e in found] == [("2022-04", D("500.00"))] and "多发 500.00 元" in found[0].rule


def test_amounts_differing_state_the_difference_signed_and_are_not_listed_twice():
    lines = [paid("2022-02", 1, amount="700.00"), paid("2022-03", 1, amount="500.00"),
             paid("2022-04", 1, amount="600.00")]
    expected = {**rules("H1", "2022-02", "600.00"), **rules("H1", "2022-03", "600.00"),
                **rules("H1", "2022-04", "600.00")}
    found = amounts_differing(lines, expected)
    assert [(e.month, e.amount) for e in found] == [("2022-02", D("100.00")), ("2022-03", D("-100.00"))]
    assert "多发 100.00 元" in found[0].rule and "少发 100.00 元" in found[1].rule
    listed = payments_after_end([paid("2022-02", 1)], {"H1": household([(A, "王建国", None)],
                                [Event("H1", "terminate", date(2022, 1, 5), None, None)])})
    again = amounts_differing(lines, expected, listed=listed)
    assert [e.month for e in again] == ["2022-03"]


def baoqing() -> EffectivePolicy:
    return EffectivePolicy.resolve([parse_policy(p.read_text(encoding="utf-8"), p.name)
                                    for p in sorted((EXAMPLES / "policies").glob("*.toml"))])


def test_the_rules_are_recomputed_as_the_cycles_compute_them():
    """A 特困 household approved before a parameter it needs was defined (the minimum wage from 2021-04) is paid in
    2022 as a cycle computes it: the months before the year are not walked, so nothing is "not computable"; a
    低保 household's amounts are the walk from approval that `explain` shows."""
    policy = baoqing()
    tekun = Household("H2", "230523", "230523100", "rural", "tekun", None, date(2021, 2, 10), None, None,
                      "dispersed", "李秀英", "6217000010000000022")
    elder = Member("H2", B, "李秀英", "head", date(1948, 9, 2), None, None, (), "full", False, None)
    registry = {"H1": household([(A, "王建国", None), (C, "王小明", None)]),
                "H2": StoredHousehold(tekun, (elder,), ())}
    months = ["2022-01", "2022-02", "2022-03"]
    lines = [paid(m, 2) for m in months] + [paid(m, 1, household_id="H2") for m in months]
    expected = expected_amounts(lines, registry, policy, start=CountyStart("230523", None, False))
    assert all(isinstance(expected[("H2", m)], Benefit) and expected[("H2", m)].amount > 0 for m in months)
    record = registry["H1"]
    for m in months:
        walked = walk_to(m, record.household.approved_on, policy.on, record.on)
        assert expected[("H1", m)] == walked and walked.amount > 0
    # Before the county could compute at all, the reason is given in Chinese, with no parameter's code.
    early = expected_amounts([paid("2021-03", 1, household_id="H2")], registry, policy)
    assert early[("H2", "2021-03")] == ("无法按规则计算：计算所需的政策参数在 2021-03-01 尚无取值"
                                        "（其首个取值自 2021-04-01 起）")


def test_held_lines_state_what_is_still_unpaid():
    held = [HeldRecord(3, "2022-03", "H1", "王建国", D("900.00"),
                       "收款人 王建国 已于 2022-02-10 去世: 暂缓发放, 待以 payee 事件指定新的收款人和账户后补发"),
            HeldRecord(4, "2022-04", "H2", "李四", D("500.00"), "收款人 李四 已于 2022-03-01 去世", 6, "2022-06")]
    found = held_lines(held, date(2022, 6, 30))
    assert [(e.household, e.month, e.amount) for e in found] == [("H1", "2022-03", D("900.00")),
                                                                 ("H2", "2022-04", D("0.00"))]
    assert "截至 2022-06-30 尚未补发" in found[0].rule and "已由第 6 号发放批次（2022-06）补发" in found[1].rule
    assert not re.search(r"[A-Za-z]{3,}", found[0].rule)


def test_shared_accounts_say_whether_declared():
    registry = {"H1": household([(A, "王建国", None)])}
    lines = [paid("2022-02", 1, "H1", "500.00", account="6217000010000000011"),
             paid("2022-02", 1, "H9", "300.00", (B,), account="6217000010000000011"),
             paid("2022-02", 1, "H5", "300.00", (C,), account="6217000010000000099")]
    found = shared_accounts(lines, registry)
    assert [(e.household, e.month, e.amount) for e in found] == [("H1、H9", "2022-02", D("800.00"))]
    assert "为 2 户收款" in found[0].rule and "并非各户均登记为共用账户" in found[0].rule
    assert "6217000010000000011" not in found[0].rule


def test_a_termination_before_the_month_and_a_removed_member():
    record = household([(A, "王建国", None), (B, "马玉梅", None)],
                       [Event("H1", "remove_member", date(2022, 1, 10), None, B),
                        Event("H1", "terminate", date(2022, 2, 15), None, None)])
    found = payments_after_end([paid("2022-02", 1), paid("2022-03", 1)], {"H1": record})
    assert [(e.month, e.rule.split("（")[0]) for e in found] == [("2022-03", "已于 2022-02-15 终止救助")]


def test_one_id_number_in_two_households_or_paid_twice_in_a_month():
    lines = [paid("2022-02", 2, "H1", "1000.00", (A, B)), paid("2022-02", 1, "H9", "500.00", (B,)),
             paid("2022-03", 2, "H1", "1000.00", (A, B)), paid("2022-03", 1, "H9", "500.00", (C,))]
    cases = [ReserveCaseRecord(1, "230523100", "宝清镇", C, "王子涵", D("300.00"), date(2022, 3, 1),
                               date(2022, 3, 31), None),
             ReserveCaseRecord(2, "230523101", "七星泡镇", C, "王子涵", D("200.00"), date(2022, 3, 20),
                               date(2022, 4, 19), None),
             ReserveCaseRecord(3, "230523101", "七星泡镇", C, "王子涵", D("200.00"), date(2022, 4, 2),
                               date(2022, 5, 2), None)]
    found = duplicate_ids(lines, cases)
    assert [(e.household, e.month, e.amount) for e in found] == [
        ("H1、H9", "2022-02", D("1500.00")), ("王子涵 230523********0318", "2022-03", D("200.00"))]
    assert "在 2022-02 计入 2 户的发放" in found[0].rule and B not in found[0].rule
    assert "2022-03 从乡镇备用金领取 2 次" in found[1].rule and "首次之后重复领取 200.00 元" in found[1].rule


@pytest.mark.parametrize("returned, resolved, listed", [
    (date(2022, 11, 30), None, True),           # 31 days before the as-of day
    (date(2022, 12, 1), None, False),           # exactly 30 days: still within the limit
    (date(2022, 1, 10), date(2022, 1, 20), False),
    (date(2022, 1, 10), date(2023, 1, 5), True),  # resolved only after the as-of day
])
def test_bank_returns_open_after_30_days(returned, resolved, listed):
    r = BankReturnRecord(4, 2, "2022-01", "H002", D("1032.00"), "账户已销户", returned, resolved,
                         "cancelled" if resolved else None)
    found = open_bank_returns([r], date(2022, 12, 31))
    assert [(e.household, e.month, e.amount) for e in found] == ([("H002", "2022-01", D("1032.00"))] if listed else [])


@pytest.mark.parametrize("documented, kind", [
    (None, "逾期"), (date(2022, 3, 4), None), (date(2022, 3, 10), "才补充，迟 5 天"), (date(2023, 1, 2), "逾期")])
def test_reserve_cases_overdue_or_documented_late(documented, kind):
    case = ReserveCaseRecord(3, "230523100", "宝清镇", C, "王子涵", D("600.00"), date(2022, 2, 3), date(2022, 3, 5),
                             documented)
    found = overdue_reserve_cases([case], date(2022, 12, 31))
    assert len(found) == (kind is not None)
    if kind:
        assert kind in found[0].rule and found[0].month == "2022-02" and found[0].amount == D("600.00")
    on_deadline = overdue_reserve_cases([case], date(2022, 3, 5))
    assert on_deadline == []


def test_receivables_verify_and_the_sections():
    failures = verify_failures(["entry 3: its content no longer matches the digest recorded when it was posted",
                                "stored balance of Assets:Treasury / central_subsidy on 2022-01-02 is 100001 / 0 "
                                "fen (debit / credit) but the journal sums to 100000 / 0"],
                               {"Assets:Treasury": "国库存款"}, {"central_subsidy": "中央补助"})
    assert [e.rule for e in failures] == [
        "第 3 号分录：内容与记账时的摘要不符",
        "科目余额表与分录不符：国库存款（中央补助） 2022-01-02 的余额记借方 1,000.01 元、贷方 0.00 元，分录合计借方 "
        "1,000.00 元、贷方 0.00 元"]
    sections = exception_sections(failures)
    assert [s.kind for s in sections] == [k.kind for k in KINDS]
    by_kind = {s.kind: s for s in sections}
    assert by_kind["verify"].items == tuple(failures)
    assert by_kind["cap_override"].note == NO_CAP_OVERRIDES and "超过限额的购买被拒绝，不留任何记录" in NO_CAP_OVERRIDES
    assert by_kind["receivable"].note == "未发现。"
    # In Chinese only: what an auditor reads names no internal code and no English.
    for section in sections:
        assert not re.search(r"[A-Za-z]{3,}", section.title + section.rule + section.note), section.kind


def test_open_receivables_list_what_is_outstanding():
    owed = open_receivables([ReceivableRecord("H2", "2022-02", D("1032.00"), D("1032.00"), "death"),
                             ReceivableRecord("H3", "2022-02", D("100.00"), D("0.00"), "over")])
    assert [(e.household, e.month, e.amount) for e in owed] == [("H2", "2022-02", D("1032.00"))]


def test_the_fund_statement_splits_spending_by_head():
    figures = [FundFigure("central_subsidy", "中央", D("100.00"), D("50.00"), D("35.00"), D("10.00")),
               FundFigure("county_subsidy", "县级", D("0.00"), D("0.00"), D("0.00"), D("0.00"))]
    moves = [ExpenseMovement("Expenses:Dibao:Urban", "central_subsidy", D("20.00"), D("0.00")),
             ExpenseMovement("Expenses:Dibao:Rural", "central_subsidy", D("10.00"), D("5.00")),
             ExpenseMovement("Expenses:Temporary", "central_subsidy", D("10.00"), D("0.00"))]
    central, county = fund_statements(figures, moves)
    heads = dict(zip((name for name, _ in SPENDING_HEADS), central.spent_by_head))
    assert (heads["低保"], heads["临时救助"], sum(central.spent_by_head)) == (D("25.00"), D("10.00"), D("35.00"))
    assert (central.closing, central.available) == (D("115.00"), D("105.00"))
    assert county.spent_by_head == (D("0.00"),) * len(SPENDING_HEADS)
    assert spending_head("Expenses:Something:New") == len(SPENDING_HEADS) - 1
    with pytest.raises(ValueError, match="not the 36.00 spent"):
        fund_statements([FundFigure("central_subsidy", "中央", D(0), D(0), D("36.00"), D(0))], moves)


def test_a_lines_components_split_into_the_months_columns():
    parts = [{"kind": "base", "amount": "529.00"}, {"kind": "temporary", "amount": "2000.00", "instalment": 2},
             {"kind": "heating", "amount": "120.00"}, {"kind": "price_subsidy", "amount": "45.00"},
             {"kind": "arrears", "amount": "80.00", "month": "2022-03"}, {"kind": "recovery", "amount": "-30.00"}]
    figures = month_figures(line_parts("dibao", json.dumps(parts), D("2744.00"), "normal", 0).figures, parts)
    assert figures == MonthFigures(D("529.00"), D("0.00"), D("2000.00"), D("120.00"), D("45.00"), D("80.00"),
                                   D("30.00"), D("2744.00"))
    assert figures.adds_up
    # The pack's one-pass split gives the same columns, for every kind the register knows and one it does not.
    every = parts + [{"kind": "addon", "amount": "79.35"}, {"kind": "care", "amount": "169.00"},
                     {"kind": "exit", "amount": "200.00"}, {"kind": "rounding", "amount": "0.65"},
                     {"kind": "single_person", "amount": "300.00"}, {"kind": "basic", "amount": "700.00"},
                     {"kind": "something_new", "amount": "5.00"}]
    total = D("4198.00")
    assert split_line(every, total) == month_figures(
        line_parts("dibao", json.dumps(every), total, "normal", 0).figures, every)
    assert split_line(every, total).adds_up


def test_monthly_lists_each_month_to_the_cut_off_by_programme_urban_and_rural():
    f = MonthFigures(D("500.00"), D("50.00"), D("2000.00"), D("0.00"), D("10.00"), D("100.00"), D("60.00"),
                     D("2600.00"))
    assert f.adds_up
    lines = [MonthLine("2022-02", "tekun", "urban", 1, f), MonthLine("2022-02", "dibao", "rural", 3, f),
             MonthLine("2022-02", "dibao", "urban", 2, f)]
    rows = months_table(2022, 6, lines)
    assert [r.month for r in rows[::3]] == [f"2022-{n:02d}" for n in range(1, 7)]
    feb = {r.program: r for r in rows if r.month == "2022-02"}
    assert list(feb) == ["dibao", "tekun", "low_income"]
    assert (feb["dibao"].households, feb["dibao"].persons, feb["dibao"].figures.paid) == ((1, 1), (2, 3), D("5200.00"))
    subtotal = {t.month: t for t in month_totals(rows)}["2022-02"]
    assert subtotal.figures.paid == D("7800.00") and subtotal.figures.temporary == D("6000.00")
    assert grand_total(rows).figures == subtotal.figures and grand_total(rows).households == (2, 1)
