"""Drawing the reconciliation bridge (资金核对表) for the audit pack: the walk from the cycles' gross to the ledger's
spending, the returns memo, and the spending by budget line and by 政府收支分类 code. Chinese only: the steps and
accounts print by their titles, never by their keys or account names."""

from __future__ import annotations

from decimal import Decimal

from reportlab.platypus import Flowable, KeepTogether, Spacer

from aidledger.reports.bridge_data import ZERO, Bridge, Figure

from .story import HEADING, SMALL, SUBHEADING, amount, grid, head, para


def _count(figure_count: int) -> str:
    return f"{figure_count:,}" if figure_count else ""


def _steps(bridge: Bridge) -> list[Flowable]:
    rows: list[list[object]] = [[head("项目"), head("笔数"), head("金额（元）"), head("说明")]]
    for s in bridge.steps:
        rows.append([para(s.title, SMALL), _count(s.count), amount(s.amount), para(s.note, SMALL)])
    rows.append([para("差异（未能解释的金额）", SMALL), "", amount(bridge.difference),
                 para("账簿正常时为零；不为零须查明原因", SMALL)])
    rows.append([para("本期支出账户净发生额", SMALL), "", amount(bridge.ledger_total),
                 para(f"{bridge.start.isoformat()} 至 {bridge.as_of.isoformat()} 各支出账户借方减贷方", SMALL)])
    return [grid(rows, [200, 60, 110, 400], right_from=1, total_row=True)]


def _returns(bridge: Bridge) -> list[Flowable]:
    r = bridge.returns

    def row(title: str, figure: Figure | None, value: Decimal) -> list[object]:
        return [para(title, SMALL), _count(figure.count) if figure else "", amount(value)]

    rows: list[list[object]] = [[head("项目"), head("笔数"), head("金额（元）")],
            row("期初待处理退票", r.opening, r.opening.amount),
            row("加：本期银行退票", r.returned, r.returned.amount),
            row("减：本期重发", r.reissued, r.reissued.amount),
            row("减：本期核销退回资金", r.cancelled, r.cancelled.amount),
            row("期末待处理退票（按退票记录）", None, r.closing),
            row("银行退回待处理款账面余额", None, r.ledger),
            row("差异", None, r.difference)]
    return [para("银行退票（退票不改变支出：资金转入银行退回待处理款，待重发或核销）", SUBHEADING),
            grid(rows, [300, 60, 110], right_from=1, total_row=True)]


def _by_line(bridge: Bridge) -> list[Flowable]:
    rows: list[list[object]] = [[head("预算科目（支出账户）"), head("政府收支分类科目编码"), head("金额（元）")]]
    rows += [[para(b.title, SMALL), b.code or "—", amount(b.amount)] for b in bridge.by_line]
    rows.append(["合计", "", amount(sum((b.amount for b in bridge.by_line), ZERO))])
    return [para("支出按预算科目", SUBHEADING), grid(rows, [300, 150, 110], right_from=2, total_row=True)]


def _by_code(bridge: Bridge) -> list[Flowable]:
    rows: list[list[object]] = [[head("科目编码"), head("科目名称"), head("包含的支出账户"), head("金额（元）")]]
    rows += [[c.code or "—", para(c.name, SMALL), para("、".join(c.accounts), SMALL), amount(c.amount)]
             for c in bridge.by_code]
    rows.append(["合计", "", "", amount(sum((c.amount for c in bridge.by_code), ZERO))])
    return [para("支出按政府收支分类科目（功能分类）", SUBHEADING),
            grid(rows, [80, 180, 300, 110], right_from=3, total_row=True),
            para("价格临时补贴、取暖救助按发放明细的城乡属性分列其他城市生活救助、其他农村生活救助；"
                 "不能按城乡划分的部分列其他生活救助（未分城乡）。", SMALL)]


def bridge_story(bridge: Bridge, heading: str = "资金核对表") -> list[Flowable]:
    """The bridge as platypus flowables; `heading` lets the pack number its section (e.g. "三、资金核对表")."""
    intro = (f"{bridge.name}（{bridge.jurisdiction}）{bridge.year}年 {bridge.start.isoformat()} 至 "
             f"{bridge.as_of.isoformat()}：从本期审批的发放批次应发金额，经退票重发、追回抵扣、应收追回、撤销和核销、"
             "备用金先行救助及其他分录，核对到账簿支出账户的净发生额。")
    return [KeepTogether([para(heading, HEADING), para(intro, SMALL), Spacer(1, 4)] + _steps(bridge)),
            Spacer(1, 8), KeepTogether(_returns(bridge)), Spacer(1, 8), KeepTogether(_by_line(bridge)),
            Spacer(1, 8), KeepTogether(_by_code(bridge))]
