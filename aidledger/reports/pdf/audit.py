"""Drawing the audit pack as PDF (A4 landscape, ReportLab platypus).

A cover (jurisdiction, year, cut-off, `ledger verify`'s result, the chain's head, the checkpoints proved, the
exception count) and a table of contents, then the numbered sections: the fund statement, budget execution with
the purchased-services cap and the execution rates, the reconciliation bridge (when the pack carries one), monthly
payments by programme, the township reserves, the trial balance, the exceptions, what the year paid and claimed
beyond the monthly base, and the schedules (when the pack carries them). The contents' page numbers come from a
two-pass build (multiBuild); every page carries "第 x 页 共 y 页": the pages are kept until the end, when their
number is known. Nothing in the text names an internal code or a command.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from reportlab.lib import colors
from reportlab.lib.styles import ParagraphStyle
from reportlab.platypus import KeepTogether, PageBreak, Paragraph, SimpleDocTemplate, Spacer, TableStyle
from reportlab.platypus.tableofcontents import TableOfContents

from aidledger.labels import FUND_SHORT_NAMES, recovery_reason
from aidledger.reports.audit_data import SPENDING_HEADS, AuditPack, ExceptionSection
from aidledger.reports.audit_months import COLUMNS, grand_total, month_totals, programme_totals

from .base import FONT, ensure_font, money, pdf_target
from .charts import budget_chart, cap_chart, execution_chart, monthly_chart
from .story import (
    BODY,
    HEADING,
    MARGIN,
    PAGE,
    SMALL,
    SUBHEADING,
    SUBTITLE,
    TITLE,
    amount,
    grid,
    head,
    numbered_canvas,
    para,
)

NUMERALS = "一二三四五六七八九十"


class _PackDoc(SimpleDocTemplate):
    """Tells the table of contents of every section heading and the page it lands on (a two-pass build), and
    `progress` of every flowable laid out, up to `steps` (a table split over pages is laid out piece by piece)."""

    def __init__(self, *args, progress: Callable[[int], None] | None = None, steps: int = 0, **kwargs):
        super().__init__(*args, **kwargs)
        self.progress, self.steps, self.told = progress, steps, 0

    def afterFlowable(self, flowable):
        if isinstance(flowable, Paragraph) and flowable.style.name == HEADING.name:
            self.notify("TOCEntry", (0, flowable.getPlainText(), self.page))
        if self.progress is not None and self.told < self.steps - 1:  # the last step is told when the file is
            self.told += 1
            self.progress(1)


def write_audit(pack: AuditPack, target, progress: Callable[[int], None] | None = None,
                story: list | None = None) -> int:
    """Draw the pack into `target` (a path or a binary file); returns the number of pages. `progress` is told of the
    drawing in `drawing_steps(story)` steps, `story` being `audit_story(pack)` (built here when not given)."""
    ensure_font()
    story = story if story is not None else audit_story(pack)
    doc = _PackDoc(pdf_target(target), pagesize=PAGE, leftMargin=MARGIN, rightMargin=MARGIN, topMargin=MARGIN,
                   bottomMargin=MARGIN + 8, title=pack.title, author="aidledger", creator="aidledger",
                   producer="aidledger (ReportLab)", invariant=1, pageCompression=1,
                   initialFontName=FONT,  # no base-14 font: a PDF would name it without embedding it
                   progress=progress, steps=drawing_steps(story))
    doc.multiBuild(story, canvasmaker=numbered_canvas(pack.title, pack.created))
    if progress is not None:
        progress(doc.steps - doc.told)
    return doc.page


def drawing_steps(story: list) -> int:
    """The steps `write_audit` tells its progress of: each flowable, in each of the two passes."""
    return 2 * len(story)


def audit_story(pack: AuditPack) -> list:
    """The pack's flowables, cover to schedules."""
    ensure_font()
    story = _cover(pack) + [PageBreak()] + _contents() + [PageBreak()]
    numbered = iter(NUMERALS)

    def section(title: str) -> Paragraph:
        return para(f"{next(numbered)}、{title}", HEADING)

    story += _funds(pack, section) + _budget(pack, section) + [PageBreak()]
    if pack.bridge is not None:
        from .bridge import bridge_story  # drawn only when the pack carries a bridge
        # numbered in its place, as bridge_story allows
        story += bridge_story(pack.bridge, f"{next(numbered)}、资金核对表") + [PageBreak()]
    story += _monthly(pack, section) + [PageBreak()] + _reserves(pack, section) + [PageBreak()]
    story += _trial(pack, section) + [PageBreak()]
    story += _exceptions(pack, section) + [PageBreak()]
    story += _beyond(pack, section)
    if pack.schedules is not None:
        from .schedules import schedules_story  # drawn only when the pack carries schedules
        story += [PageBreak()] + schedules_story(pack.schedules)
    return story


def _contents() -> list:
    # Its table's own font too: ReportLab's default (Helvetica) would be named in the PDF without being embedded.
    toc = TableOfContents(dotsMinLevel=0, tableStyle=TableStyle([("FONT", (0, 0), (-1, -1), FONT, 11),
                                                                ("VALIGN", (0, 0), (-1, -1), "TOP")]))
    toc.levelStyles = [ParagraphStyle("toc", parent=BODY, fontSize=11, leading=18, leftIndent=20)]
    return [para("目　录", TITLE), Spacer(1, 10), toc]


def _cover(pack: AuditPack) -> list:
    v = pack.verify
    first = f"（首个出错分录：第 {v.first_failing_entry} 号）" if v.first_failing_entry else ""
    result = "通过" if v.ok else "未通过" + first
    rows = [
        ["项目", "结果"],
        ["地区", f"{pack.name}（{pack.jurisdiction}）"],
        ["审计年度", f"{pack.year} 年"],
        ["截止日", f"{pack.as_of.isoformat()} 日终：各部分均按该日结账时的账簿编制"],
        ["账簿校验", result],
        ["分录数", f"{v.entries:,}"],
        ["分录行数", f"{v.lines:,}"],
        ["哈希链链头", f"第 {v.entries} 号分录：{v.head_hash}"],
        ["证据链链头", f"第 {v.evidence_seq} 号印记：{v.evidence_mac}"],
        *[[f"检查点 {c.name}",
           f"第 {c.seq} 号分录、第 {c.evidence_seq} 号印记（{c.at}）："
           + ("账簿延续该检查点，此后未被改动" if c.extends else "不符：账簿未延续该检查点")] for c in v.checkpoints],
        ["已证明的检查点", f"{sum(c.extends for c in v.checkpoints)} 个（共提供 {len(v.checkpoints)} 个）"],
        ["身份认证", "已启用：每位用户登录后操作" if v.authenticated
         else "未启用身份认证：本地单用户账簿，操作人未经认证"],
        ["校验问题", str(len(v.problems))],
        ["异常事项", f"{pack.exception_count} 项"],
        ["计入的发放批次", f"{len(pack.cycles)} 个"],
    ]
    story = [Spacer(1, 40), para(pack.title, TITLE),
             para(f"审计年度 {pack.year}　截至 {pack.as_of.isoformat()}　编制日期 {pack.created.isoformat()}",
                  SUBTITLE),
             grid(rows, [200, 500], right_from=99), Spacer(1, 10),
             para("异常事项汇总", SUBHEADING)]
    summary = [["类别", "事项数"]] + [[s.title, str(len(s.items))] for s in pack.exceptions]
    summary.append(["合计", str(pack.exception_count)])
    story.append(grid(summary, [500, 200], total_row=True))
    return story


def _funds(pack: AuditPack, section) -> list:
    header = ["资金", "年初结余", "本年收到", "本年支出", "已承诺", "期末结余", "可用"]
    rows = [[head(h) for h in header]]
    for f in pack.funds + (pack.fund_total,):
        rows.append([FUND_SHORT_NAMES.get(f.fund, f.name), money(f.opening), money(f.received), money(f.spent),
                     money(f.committed), money(f.closing), money(f.available)])
    heads = [name for name, _ in SPENDING_HEADS]
    by_head = [[head(h) for h in ["资金", *heads, "支出合计"]]]
    for f in pack.funds + (pack.fund_total,):
        by_head.append([FUND_SHORT_NAMES.get(f.fund, f.name), *[money(x) for x in f.spent_by_head], money(f.spent)])
    each = (PAGE[0] - 2 * MARGIN - 58) / (len(heads) + 1)
    return [section("资金收支情况"),
            para(f"{pack.year}-01-01 至 {pack.as_of.isoformat()}，金额单位：元。期末结余 = 年初结余 + 本年收到 - "
                 "本年支出；可用 = 期末结余 - 已承诺（乡镇备用金余额）；各资金之和等于合计。", SMALL), Spacer(1, 4),
            grid(rows, [100] + [110] * 6, total_row=True),
            para("本年支出按项目", SUBHEADING),
            grid(by_head, [58] + [each] * (len(heads) + 1), size=6.5, total_row=True)]


def _budget(pack: AuditPack, section) -> list:
    story = [Spacer(1, 10), section("预算执行与购买服务限额")]
    cap = pack.cap
    if cap is None:
        story.append(para("本级未加载政策，无购买服务限额。"))
    else:
        rows = [["限额基数", "基数", "比例", "限额", "已用", "余额"],
                [cap.base_name, money(cap.base), f"{cap.rate}", money(cap.cap), money(cap.used),
                 money(cap.headroom)]]
        story += [grid(rows, [300, 90, 60, 90, 90, 90]), Spacer(1, 6), cap_chart(cap)]
    story += [Spacer(1, 4), execution_chart(pack), Spacer(1, 4), budget_chart(pack)]
    return [KeepTogether(story[:4]), *story[4:]]


def _monthly(pack: AuditPack, section) -> list:
    header = ["月份", "项目", "户数 城镇", "户数 农村", "人数 城镇", "人数 农村", *COLUMNS]
    rows: list[list] = [[head(h) for h in header]]
    subtotals = {t.month: t for t in month_totals(pack.months)}
    shaded = []

    def row(label: str, r) -> list:
        return [label, r.name, str(r.households[0]), str(r.households[1]), str(r.persons[0]), str(r.persons[1]),
                *[money(x) for x in r.figures]]
    for month in subtotals:
        for r in (r for r in pack.months if r.month == month and any(r.households)):
            rows.append(row(month, r))
        rows.append(row(month, subtotals[month]))
        shaded.append(len(rows) - 1)
    for r in programme_totals(pack.months):
        rows.append(row("全年" if pack.as_of.month == 12 else "累计", r))
    rows.append(row("累计", grand_total(pack.months)))
    table = grid(rows, [52, 46] + [34] * 4 + [68] * len(COLUMNS), right_from=2, size=7, total_row=True)
    table.setStyle(TableStyle([("BACKGROUND", (0, i), (-1, i), colors.HexColor("#F0F0F0")) for i in shaded]))
    return [section("月度发放情况"),
            para(f"截至 {pack.as_of.isoformat()} 已审批（未撤销）的 {pack.as_of.month} 个月的发放批次，"
                 "按项目、城乡分列户数、人数；金额单位：元。"
                 "基本 + 加发 + 临时救助 + 取暖 + 价格补贴 + 补发 - 扣减 = 实发；"
                 "补发含退票重发、暂缓后补发；扣减为追回抵扣。", SMALL),
            monthly_chart(pack), Spacer(1, 6), table]


def _reserves(pack: AuditPack, section) -> list:
    rows = [["乡镇代码", "名称", "期初", "拨付", "支出", "补充", "余额", "未补充说明", "逾期"]]
    for r in pack.reserves:
        rows.append([r.township, r.name, money(r.carried), money(r.advanced), money(r.paid), money(r.replenished),
                     money(r.balance), str(r.undocumented), str(r.overdue)])
    story = [section("乡镇临时救助备用金"),
             para(f"截至 {pack.as_of.isoformat()}", SMALL)]
    story.append(grid(rows, [72, 88, 74, 74, 74, 74, 74, 92, 62], right_from=2) if pack.reserves
                 else para("无乡镇备用金。"))
    return [KeepTogether(story)]


def _trial(pack: AuditPack, section) -> list:
    rows = [["科目", "资金", "借方", "贷方"]]
    for r in pack.trial:
        rows.append([para(r.title, SMALL), FUND_SHORT_NAMES.get(r.fund, r.fund), money(r.debit) if r.debit else "",
                     money(r.credit) if r.credit else ""])
    rows.append(["合计", "", money(pack.trial_debit), money(pack.trial_credit)])
    return [section(f"试算平衡表（截至 {pack.as_of.isoformat()}）"),
            grid(rows, [330, 150, 130, 130], right_from=2, total_row=True)]


def _exceptions(pack: AuditPack, titled) -> list:
    story = [titled("异常事项"),
             para(f"截至 {pack.as_of.isoformat()}。每项列出户（或对象）、月份、所涉部分的金额（多发、少发或未发的"
                  "部分，而非整笔发放额）和所违反的规则及数据。", SMALL)]
    for number, section in enumerate(pack.exceptions, start=1):
        story += _exception_section(number, section)
    return story


def _beyond(pack: AuditPack, section) -> list:
    """What the year paid and claimed beyond the monthly base, each part with its rule."""
    b = pack.beyond
    story = [section("补发、追回与临时救助"),
             para("补发：已发月份因政策调整或登记变更重算后的差额，同一年度内补发一次；追回：多发月份形成的应收款；"
                "临时救助：一次审批、分阶段发放；价格临时补贴：按月申报的物价涨幅。", SMALL)]

    def part(title: str, header: list[str], rows: list[list], widths: list[float], right_from: int, empty: str):
        story.append(para(title, SUBHEADING))
        story.append(grid([header] + rows, widths, right_from=right_from) if rows else para(empty, SMALL))

    part("1. 支出型临时救助", ["编号", "户", "总额", "期数", "首期月份", "已发", "一事一议文号", "经办 / 审批"],
         [[str(g.grant_id), g.household_id, money(g.total), str(g.instalments), g.first_month, money(g.paid),
           g.committee_ref or "—", f"{g.granted_by} / {g.approved_by or '待审批'}"] for g in b.grants],
         [50, 90, 80, 70, 80, 80, 140, 180], 2, "本年无。")
    part("2. 补发", ["发放月份", "补发月份", "户数", "金额"],
         [[a.paid_in, a.month, str(a.households), money(a.amount)] for a in b.arrears]
         + ([["合计", "", str(sum(a.households for a in b.arrears)),
              money(sum((a.amount for a in b.arrears), Decimal("0.00")))]] if b.arrears else []),
         [120, 120, 100, 120], 2, "本年无。")
    part("3. 追回", ["编号", "户", "月份", "原因", "应收", "已追回", "未追回", "形成日期"],
         [[r.receivable_id, r.household_id, r.month, recovery_reason(r.reason), money(r.amount), money(r.recovered),
           money(r.outstanding), r.created_on.isoformat()] for r in b.receivables],
         [50, 90, 70, 100, 90, 90, 90, 90], 4, "本年无。")
    part("4. 价格临时补贴申报", ["月份", "申报地区", "居民消费价格涨幅 %", "食品价格涨幅 %"],
         [[d.month, d.jurisdiction, f"{d.cpi}", f"{d.food}"] for d in b.declarations],
         [100, 120, 100, 120], 2, "本年无。")
    return story


def _exception_section(number: int, section: ExceptionSection) -> list:
    head = [para(f"{number}. {section.title}（{len(section.items)}）", SUBHEADING),
            para("规则：" + section.rule, SMALL)]
    if not section.items:
        return [KeepTogether(head + [Spacer(1, 2), para(section.note, SMALL)])]
    rows = [["户", "月份", section.amount_title or "金额", "规则与数据"]]
    for item in section.items:
        rows.append([para(item.household, SMALL), item.month, amount(item.amount), para(item.rule, SMALL)])
    table = grid(rows, [130, 55, 75, 510], right_from=2)
    table.setStyle(TableStyle([("ALIGN", (3, 1), (3, -1), "LEFT")]))
    return head + [Spacer(1, 2), table]
