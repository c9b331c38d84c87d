"""Drawing the audit pack's schedules (附表一 to 附表七) as platypus flowables, in the pack's styles (story.py).

Each schedule is a heading, a line saying what it lists and for which days, and a ruled table whose amounts add up
in a 合计 row (or 无 when it has no rows). The pack places the list where it wants it (pdf/audit.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal

from reportlab.platypus import CondPageBreak, Flowable, KeepTogether, Spacer

from aidledger.reports.schedules_data import AllocationRow, CapBase, CycleRow, Schedules

from .base import money
from .story import HEADING, MARGIN, PAGE, SMALL, SUBHEADING, grid, head, para

WIDTH = PAGE[0] - 2 * MARGIN
NUMBERS = "一二三四五六七八九十"
ZERO = Decimal("0.00")


def schedules_story(schedules: Schedules) -> list[Flowable]:
    """The seven schedules, each from a new heading (no page breaks: the pack decides those)."""
    period = f"{schedules.year}-01-01 至 {schedules.as_of.isoformat()}"
    parts = [
        ("资金到位明细", _allocations(schedules, period)),
        ("政府购买服务及限额基数", _purchases(schedules, period)),
        ("发放批次", _cycles(schedules, period)),
        ("银行退票及处理", _returns(schedules, period)),
        ("手工分录及冲销", _entries(schedules, period)),
        ("已结账期间", _closes(schedules)),
        ("执行标准", _standards(schedules, period)),
    ]
    story: list[Flowable] = []
    for number, (title, body) in enumerate(parts):
        # A heading never ends a page: it moves on with its first rows when little room is left.
        story += [CondPageBreak(110), para(f"附表{NUMBERS[number]}　{title}", HEADING)]
        story += body
        story.append(Spacer(1, 8))
    return story


def _day(day: date | None) -> str:
    return day.isoformat() if day is not None else ""


def _none(text: str = "无") -> Flowable:
    return para(text, SMALL)


def _widths(*shares: float) -> list[float]:
    """Column widths in proportion to `shares`, filling the page's width."""
    whole = sum(shares)
    return [WIDTH * s / whole for s in shares]


def _header(*names: str) -> list[list[object]]:
    """A table's rows, starting with its column headings."""
    return [[head(name) for name in names]]


def _allocation_table(rows: Sequence[AllocationRow], total_label: str) -> Flowable:
    header = ["分录号", "到账日期", "级次", "资金", "来源", "文号", "摘要", "类别", "金额"]
    body = _header(*header)
    for r in rows:
        body.append([str(r.seq), r.on.isoformat(), r.level, r.fund, para(r.source, SMALL),
                     para(r.reference or "—", SMALL), para(r.title, SMALL), r.kind, money(r.amount)])
    body.append([total_label, "", "", "", "", "", "", "", money(sum((r.amount for r in rows), ZERO))])
    return grid(body, _widths(40, 60, 40, 60, 80, 110, 170, 50, 80), right_from=8, total_row=True)


def _allocations(s: Schedules, period: str) -> list[Flowable]:
    story: list[Flowable] = [para(f"{period}到账的补助资金，每笔一行（冲销为负数）；合计等于资金收支情况表的本年收入。",
                                  SMALL)]
    if not s.allocations:
        return story + [_none()]
    story.append(_allocation_table(s.allocations, "合计"))
    by_fund = "；".join(f"{fund} {money(amount)}" for fund, amount in s.received_by_fund().items())
    return story + [para(f"按资金：{by_fund}", SMALL)]


def _purchases(s: Schedules, period: str) -> list[Flowable]:
    rows = s.purchases.rows
    story: list[Flowable] = [para(f"{period}的政府购买社会救助服务支出，每笔一行。", SMALL)]
    if rows:
        body = _header("分录号", "日期", "服务机构", "文号", "资金", "类别", "金额")
        for r in rows:
            body.append([str(r.seq), r.on.isoformat(), para(r.supplier, SMALL), para(r.reference or "—", SMALL),
                         "、".join(r.funds), r.kind, money(r.amount)])
        body.append(["合计", "", "", "", "", "", money(s.purchases.total)])
        story.append(grid(body, _widths(40, 60, 200, 140, 120, 50, 80), right_from=6, total_row=True))
    else:
        story.append(_none())
    cap = s.purchases.cap
    if cap is None:
        return story + [_none("本级未加载政策，无购买服务限额。")]
    return story + _cap(cap)


def _cap(cap: CapBase) -> list[Flowable]:
    rate = f"{(cap.rate * 100).normalize():f}%"
    story: list[Flowable] = [
        para("限额及其基数", SUBHEADING),
        para(f"基数：{cap.base_name}，即 {cap.base_year}-01-01 至 {cap.base_through.isoformat()} 收到的"
             f"{'、'.join(cap.funds)}；限额 = 基数 × {rate}（向下取至分）；已用为截至日已发生的购买服务支出。", SMALL),
        grid([["基数", "比例", "限额", "已用", "余额"],
              [money(cap.base), rate, money(cap.cap), money(cap.used), money(cap.headroom)]],
             _widths(1, 1, 1, 1, 1), right_from=0),
        Spacer(1, 4), para("构成基数的资金", SMALL),
    ]
    return story + ([_allocation_table(cap.rows, "基数合计")] if cap.rows else [_none()])


def _steps(c: CycleRow) -> Flowable:
    text = "；".join(f"{s.step} {s.by}（{s.on.isoformat()}）" for s in c.signed) or "未签批"
    if c.sent_back:
        text += f"；退回 {c.sent_back} 次"
    return para(text, SMALL)


def _cycles(s: Schedules, period: str) -> list[Flowable]:
    story: list[Flowable] = [para(f"{period}各月的发放批次及截至该日的状态；合计只计已审批、已交银行和已结算的批次。",
                                  SMALL)]
    if not s.cycles:
        return story + [_none()]
    header = ["批次", "月份", "状态", "户数", "金额", "制表", "审核/审批", "交银行", "结算", "撤销", "退票笔数",
              "退票金额"]
    body = _header(*header)
    for c in s.cycles:
        body.append([str(c.cycle_id), c.month, para(c.status, SMALL), str(c.households), money(c.total),
                     para(f"{c.prepared_by}（{c.prepared_on.isoformat()}）", SMALL), _steps(c), _day(c.exported_on),
                     _day(c.settled_on), _day(c.cancelled_on), str(c.returns), money(c.returned)])
    posted = s.posted_cycles
    body.append(["合计", "", "", str(sum(c.households for c in posted)), money(sum((c.total for c in posted), ZERO)),
                 "", "", "", "", "", str(sum(c.returns for c in posted)),
                 money(sum((c.returned for c in posted), ZERO))])
    table = grid(body, _widths(30, 45, 60, 35, 70, 85, 170, 58, 58, 58, 40, 65), right_from=3, total_row=True)
    return story + [table]


def _returns(s: Schedules, period: str) -> list[Flowable]:
    story: list[Flowable] = [para(f"{period}银行退回的款项（及年初仍未处理的退票），与截至该日的处理结果。", SMALL)]
    if not s.returns:
        return story + [_none()]
    header = ["编号", "批次", "月份", "户主", "身份证号", "账号", "金额", "退票原因", "退票日期", "处理结果",
              "处理日期"]
    body = _header(*header)
    for r in s.returns:
        body.append([str(r.return_id), str(r.cycle_id), r.month, r.head_name, r.id_number, r.bank_account,
                     money(r.amount), para(r.reason, SMALL), r.returned_on.isoformat(), para(r.outcome, SMALL),
                     _day(r.outcome_on)])
    body.append(["合计", "", "", "", "", "", money(s.returned), "", "", "", ""])
    table = grid(body, _widths(30, 30, 45, 50, 100, 105, 65, 80, 58, 150, 58), right_from=6, total_row=True)
    open_ = [r for r in s.returns if r.open]
    tail = f"其中未处理 {len(open_)} 笔，{money(sum((r.amount for r in open_), ZERO))} 元。"
    return story + [table, para(tail, SMALL)]


def _entries(s: Schedules, period: str) -> list[Flowable]:
    story: list[Flowable] = [para(f"{period}由经办人手工录入的分录和所有冲销分录（发放批次、资金下拨等业务自动生成的"
                                  "分录不在此列）。", SMALL)]
    if not s.entries:
        return story + [_none()]
    header = ("分录号", "日期", "类别", "摘要", "文号", "金额", "经办人", "冲销关系")
    body = _header(*header)
    for e in s.entries:
        links = []
        if e.reverses is not None:
            links.append(f"冲销第 {e.reverses} 号（{e.reverses_kind}）")
        if e.reversed_by is not None:
            links.append(f"已被第 {e.reversed_by} 号冲销")
        body.append([str(e.seq), e.on.isoformat(), e.kind, para(e.description, SMALL), para(e.reference or "—", SMALL),
                     money(e.amount), e.by, para("；".join(links) or "—", SMALL)])
    return story + [grid(body, _widths(40, 60, 50, 220, 110, 80, 70, 140), right_from=5)]


def _closes(s: Schedules) -> list[Flowable]:
    story: list[Flowable] = [para(f"{s.year} 年截至 {s.as_of.isoformat()} 已结束并已结账的月份：结账后不得再录入该月及"
                                  "以前日期的分录。", SMALL)]
    if not s.closes:
        return story + [_none()]
    body = [["结账月份", "结账人", "结账日期"]] + [[c.month, c.closed_by, c.closed_on.isoformat()] for c in s.closes]
    return story + [KeepTogether(grid(body, [120, 160, 120], right_from=3))]


def _standards(s: Schedules, period: str) -> list[Flowable]:
    story: list[Flowable] = [para(f"{period}执行的保障标准，每个标准的每一档一行：起始日期为该值生效之日（可早于"
                                  "本年），截止日期空白表示截至该日仍在执行。", SMALL)]
    if not s.standards:
        return story + [_none()]
    header = ("标准", "城镇", "农村", "单位", "计算依据", "起始日期", "截止日期", "依据文件")
    body = _header(*header)
    for r in s.standards:
        body.append([para(r.name, SMALL), money(r.urban), money(r.rural), r.unit, para(r.note, SMALL),
                     r.start.isoformat(), _day(r.end), para(r.document, SMALL)])
    table = grid(body, _widths(170, 55, 55, 50, 140, 60, 60, 210), right_from=1)
    return story + [table]
