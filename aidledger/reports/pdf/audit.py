"""Drawing the audit pack as PDF (A4 landscape, ReportLab platypus).

A cover with `ledger verify`'s result and the chain's head hash, then the fund statement,
budget execution with the purchased-services cap and a chart, monthly payments by program
with a chart, the township reserves, the trial balance, the exceptions, each kind with
its rule and its items (or the note that there are none), and what the year paid and
claimed beyond the monthly base (grants, arrears, receivables, price-subsidy declarations). Every page carries
"第 x 页 共 y 页": the pages are kept until the end, when their number is known.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import KeepTogether, PageBreak, SimpleDocTemplate, Spacer, TableStyle

from aidledger.labels import FUND_SHORT_NAMES, PROGRAM_NAMES, recovery_reason
from aidledger.reports.audit_data import SPENDING_HEADS, AuditPack, ExceptionSection

from .base import FONT, ensure_font, money, pdf_target, stamp
from .charts import budget_chart, cap_chart, monthly_chart
from .story import (
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
    para,
)


def _canvas_maker(title: str, created: date):
    class NumberedCanvas(Canvas):
        """Keeps each page until save(), then writes 第 x 页 共 y 页 on all of them."""

        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            stamp(self, title, created)
            self._pages: list[dict] = []

        def showPage(self):
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self):
            total = len(self._pages)
            for number, state in enumerate(self._pages, start=1):
                self.__dict__.update(state)
                self.setFont(FONT, 8)
                self.drawCentredString(PAGE[0] / 2, 20, f"第 {number} 页 共 {total} 页")
                self.drawString(MARGIN, 20, title)
                self.drawRightString(PAGE[0] - MARGIN, 20, f"编制日期 {created.isoformat()}")
                super().showPage()
            super().save()

    return NumberedCanvas


def write_audit(pack: AuditPack, target) -> int:
    """Draw the pack into `target` (a path or a binary file); returns the number of pages."""
    ensure_font()
    doc = SimpleDocTemplate(pdf_target(target), pagesize=PAGE, leftMargin=MARGIN, rightMargin=MARGIN, topMargin=MARGIN,
                            bottomMargin=MARGIN + 8, title=pack.title, author="aidledger", creator="aidledger",
                            producer="aidledger (ReportLab)", invariant=1, pageCompression=1,
                            initialFontName=FONT)  # no base-14 font: a PDF would name it without embedding it
    story = _cover(pack) + [PageBreak()]
    story += _funds(pack) + _budget(pack) + [PageBreak()]
    story += _monthly(pack) + _reserves(pack) + [PageBreak()]
    story += _trial(pack) + [PageBreak()]
    story += _exceptions(pack) + [PageBreak()]
    story += _beyond(pack)
    doc.build(story, canvasmaker=_canvas_maker(pack.title, pack.created))
    return doc.page


def _cover(pack: AuditPack) -> list:
    v = pack.verify
    first = f"（首个出错分录：第 {v.first_failing_entry} 号）" if v.first_failing_entry else ""
    result = "通过" if v.ok else "未通过" + first
    rows = [
        ["项目", "结果"],
        ["账簿校验", result],
        ["分录数", f"{v.entries:,}"],
        ["分录行数", f"{v.lines:,}"],
        ["哈希链链头", f"第 {v.entries} 号分录：{v.head_hash}"],
        ["证据链链头", f"第 {v.evidence_seq} 号印记：{v.evidence_mac}"],
        *[[f"检查点 {c.name}",
           f"第 {c.seq} 号分录、第 {c.evidence_seq} 号印记（{c.at}）："
           + ("账簿延续该检查点，此后未被改动" if c.extends else "不符：账簿未延续该检查点")] for c in v.checkpoints],
        ["身份认证", "已启用：每位用户登录后操作" if v.authenticated
         else "未启用身份认证：本地单用户账簿，操作人未经认证"],
        ["校验问题", str(len(v.problems))],
        ["截至日期", pack.as_of.isoformat()],
    ]
    story = [Spacer(1, 60), para(pack.title, TITLE),
             para(f"审计年度 {pack.year}　截至 {pack.as_of.isoformat()}　编制日期 {pack.created.isoformat()}",
                  SUBTITLE),
             grid(rows, [200, 500], right_from=99), Spacer(1, 14),
             para("异常事项汇总", SUBHEADING)]
    summary = [["类别", "事项数"]] + [[s.title, str(len(s.items))] for s in pack.exceptions]
    summary.append(["合计", str(pack.exception_count)])
    story.append(grid(summary, [500, 200], total_row=True))
    story += [Spacer(1, 8), para("购买服务限额：" + next(s.note for s in pack.exceptions if s.kind == "cap_override"),
                               SMALL)]
    return story


def _funds(pack: AuditPack) -> list:
    heads = [name for name, _ in SPENDING_HEADS]
    header = ["资金", "期初", "本年收入", *heads, "支出合计", "占用", "期末结余", "可用"]
    rows = [[head(h) for h in header]]
    for f in pack.funds + (pack.fund_total,):
        rows.append([FUND_SHORT_NAMES.get(f.fund, f.name), money(f.opening), money(f.received),
                     *[money(x) for x in f.spent_by_head], money(f.spent), money(f.committed), money(f.closing),
                     money(f.available)])
    # The fund column, then the figures sharing the rest of the page's width.
    each = (PAGE[0] - 2 * MARGIN - 58) / (len(header) - 1)
    widths = [58] + [each] * (len(header) - 1)
    return [para("一、资金收支情况", HEADING),
            para(f"{pack.year}-01-01 至 {pack.as_of.isoformat()}。期末结余 = 期初 + 本年收入 - 本年支出；"
               "可用 = 期末结余 - 占用（乡镇备用金余额）。支出按项目列示，各项之和等于支出合计。",
               SMALL), Spacer(1, 4),
            grid(rows, widths, size=6.5, total_row=True)]


def _budget(pack: AuditPack) -> list:
    story = [Spacer(1, 10), para("二、预算执行与购买服务限额", HEADING)]
    cap = pack.cap
    if cap is None:
        story.append(para("本级未加载政策，无购买服务限额。"))
    else:
        rows = [["限额基数", "基数", "比例", "限额", "已用", "余额"],
                [cap.base_name, money(cap.base), f"{cap.rate}", money(cap.cap), money(cap.used),
                 money(cap.headroom)]]
        story += [grid(rows, [300, 90, 60, 90, 90, 90]), Spacer(1, 6), cap_chart(cap)]
    story += [para("各项资金收支（元）", SMALL), budget_chart(pack)]
    return [KeepTogether(story)]


def _monthly(pack: AuditPack) -> list:
    programs = [p for p, _, _ in pack.months[0].by_program]
    header = ["月份"] + [f"{PROGRAM_NAMES.get(p, p)} 户数" for p in programs] + \
             [f"{PROGRAM_NAMES.get(p, p)} 金额" for p in programs] + ["合计"]
    rows = [header]
    for m in pack.months:
        rows.append([m.month] + [str(c) for _, c, _ in m.by_program] + [money(a) for _, _, a in m.by_program]
                    + [money(m.total)])
    totals = [sum(m.by_program[i][2] for m in pack.months) for i in range(len(programs))]
    rows.append(["合计"] + [str(sum(m.by_program[i][1] for m in pack.months)) for i in range(len(programs))]
                + [money(t) for t in totals] + [money(sum((m.total for m in pack.months), Decimal("0.00")))])
    widths = [70] + [55] * len(programs) + [90] * len(programs) + [100]
    return [para("三、月度发放情况", HEADING),
            para("已审批、已交银行或已结算的发放批次（不含草稿和撤销的批次）；金额单位：元。", SMALL),
            monthly_chart(pack), Spacer(1, 6), grid(rows, widths, total_row=True)]


def _reserves(pack: AuditPack) -> list:
    rows = [["乡镇代码", "名称", "期初", "拨付", "支出", "补充", "余额", "未补充说明", "逾期"]]
    for r in pack.reserves:
        rows.append([r.township, r.name, money(r.carried), money(r.advanced), money(r.paid), money(r.replenished),
                     money(r.balance), str(r.undocumented), str(r.overdue)])
    story = [Spacer(1, 10), para("四、乡镇临时救助备用金", HEADING),
             para(f"截至 {pack.as_of.isoformat()}", SMALL)]
    story.append(grid(rows, [72, 88, 74, 74, 74, 74, 74, 92, 62], right_from=2) if pack.reserves
                 else para("无乡镇备用金。"))
    return [KeepTogether(story)]


def _trial(pack: AuditPack) -> list:
    rows = [["科目", "资金", "借方", "贷方"]]
    for r in pack.trial:
        rows.append([para(r.title, SMALL), FUND_SHORT_NAMES.get(r.fund, r.fund), money(r.debit) if r.debit else "",
                     money(r.credit) if r.credit else ""])
    rows.append(["合计", "", money(pack.trial_debit), money(pack.trial_credit)])
    return [para(f"五、试算平衡表（截至 {pack.as_of.isoformat()}）", HEADING),
            grid(rows, [330, 150, 130, 130], right_from=2, total_row=True)]


def _exceptions(pack: AuditPack) -> list:
    story = [para("六、异常事项", HEADING),
             para("每项列出户（或对象）、月份、金额和所违反的规则及数据。", SMALL)]
    for number, section in enumerate(pack.exceptions, start=1):
        story += _exception_section(number, section)
    return story


def _beyond(pack: AuditPack) -> list:
    """七: what the year paid and claimed beyond the monthly base, each part with its rule."""
    b = pack.beyond
    story = [para("七、补发、追回与临时救助", HEADING),
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
    rows = [["户", "月份", "金额", "规则与数据"]]
    for item in section.items:
        rows.append([para(item.household, SMALL), item.month, amount(item.amount), para(item.rule, SMALL)])
    table = grid(rows, [130, 55, 75, 510], right_from=2)
    table.setStyle(TableStyle([("ALIGN", (3, 1), (3, -1), "LEFT")]))
    return head + [Spacer(1, 2), table]
