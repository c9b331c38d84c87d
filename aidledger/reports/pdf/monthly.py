"""Drawing the monthly statistics report (民政统计月报) as PDF (A4 landscape, ReportLab platypus), and writing it
with its CSV beside it.

A title and the month's particulars (the county's code, the month, the posted cycle counted, the day ages are taken,
the date the report carries), then four tables: 一、救助对象 (households and persons by programme and area, age
group and disability), 二、本月资金发放, 三、本年累计资金发放 (each amount split into its parts, with the average
per person), 四、保障标准 (the standards the month was paid under), and the lines a statistics return is signed
on, kept with the standards. The persons and the month's funds fill the first page, the year and the standards the
second. Every page carries "第 x 页 共 y 页", the title and the date: the pages are kept until the end, when their
number is known. The only font is the embedded one (base.py); the same report gives the same bytes.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

from reportlab.lib import colors
from reportlab.platypus import KeepTogether, SimpleDocTemplate, Spacer, Table, TableStyle

from aidledger.errors import Refusal
from aidledger.files import staged
from aidledger.labels import PROGRAM_NAMES, PROGRAM_TITLES
from aidledger.problems import Problem
from aidledger.reports.monthly_csv import write_monthly_csv
from aidledger.reports.monthly_data import (
    COUNT_HEADINGS,
    ELDERLY_FROM,
    FUND_HEADINGS,
    PROGRAMS,
    Funds,
    MonthlyReport,
    Row,
)

from .base import FONT, ensure_font, money, pdf_target

# The audit pack's styles and ruled tables, so the county's reports look alike.
from .story import BODY, HEADING, MARGIN, PAGE, SMALL, SUBTITLE, TITLE, grid, head, numbered_canvas, para

WIDTH = PAGE[0] - 2 * MARGIN
LABELS = [56, 34]  # 救助类别, 城乡


def _table(report: MonthlyReport, headings: tuple[str, ...], cells: Callable[[Row], list[str]]) -> Table:
    """One row per report row: its programme and area, then `cells(row)`; each programme's 小计 lightly shaded,
    the 总计 darker (story.grid's total row), so they stand apart in black and white."""
    body = [[row.program_name, row.area_name, *cells(row)] for row in report.rows]
    header = [head(h) for h in ("救助类别", "城乡", *headings)]
    each = (WIDTH - sum(LABELS)) / len(headings)
    table = grid([header, *body], LABELS + [each] * len(headings), right_from=2, total_row=True)
    subtotals = [i + 1 for i, row in enumerate(report.rows) if row.area is None][:-1]
    # Rows a point closer than the audit pack's: the persons and the month's funds then share the first page.
    table.setStyle(TableStyle([("TOPPADDING", (0, 1), (-1, -1), 1), ("BOTTOMPADDING", (0, 1), (-1, -1), 1)]
                              + [("BACKGROUND", (0, r), (-1, r), colors.HexColor("#F7F7F7")) for r in subtotals]))
    return table


def _per_person(value: Decimal | None) -> str:
    return "—" if value is None else money(value)


def write_monthly(report: MonthlyReport, target) -> int:
    """Draw the report into `target` (a path or a binary file); returns the number of pages."""
    ensure_font()
    doc = SimpleDocTemplate(pdf_target(target), pagesize=PAGE, leftMargin=MARGIN, rightMargin=MARGIN,
                            topMargin=MARGIN, bottomMargin=MARGIN + 8, title=report.title, author="aidledger",
                            creator="aidledger", producer="aidledger (ReportLab)", invariant=1, pageCompression=1,
                            initialFontName=FONT)  # no base-14 font: a PDF would name it without embedding it
    story = _head(report) + _people(report) + _month_funds(report) + _year_funds(report)
    story += [KeepTogether(_standards(report) + _signatures(report))]  # never the signature lines alone on a page
    doc.build(story, canvasmaker=numbered_canvas(report.title, report.created))
    return doc.page


def _head(report: MonthlyReport) -> list:
    approved = f"，{report.approved_on.isoformat()} 审批" if report.approved_on else ""
    particulars = (f"行政区划代码 {report.jurisdiction}　统计月份 {report.month}　"
                   f"发放批次 第 {report.cycle_id} 号（{report.status_name}{approved}）　"
                   f"年龄计算日 {report.last_day.isoformat()}　编制日期 {report.created.isoformat()}")
    story = [para(report.title, TITLE), para(particulars, SUBTITLE)]
    if not report.authenticated:
        story.append(para("未启用身份认证：本地单用户账簿，操作人未经认证", SUBTITLE))
    return story


def _people(report: MonthlyReport) -> list:
    programs = "、".join(f"{PROGRAM_NAMES[p]}（{PROGRAM_TITLES[p]}）" for p in PROGRAMS)
    note = (f"统计口径：本月已审批的发放批次所发放的户，及该批次计入的家庭成员（月初在册且在世的成员，以批次计算时的"
            f"登记信息为准）；城乡按发放时的城乡类别。年龄按 {report.last_day.isoformat()} 的周岁计算："
            f"老年人 {ELDERLY_FROM} 周岁及以上，未成年人不满 18 周岁。残疾人为登记有残疾等级（一至四级）的成员，"
            f"重度残疾人为一、二级。救助类别：{programs}；低收入家庭计家庭全部成员，其中按单人户发放的成员领取保障金。")
    return [KeepTogether([para("一、救助对象（户、人）", HEADING), para(note, SMALL), Spacer(1, 3),
                          _table(report, COUNT_HEADINGS, lambda row: [f"{n:,}" for n in row.counts.values()])])]


def _fund_cells(funds: Funds) -> list[str]:
    return [money(a) for a in funds.amounts()] + [_per_person(funds.per_person)]


def _month_funds(report: MonthlyReport) -> list:
    note = ("保障金为按救助标准计发的当月金额（低保含分类施保加发和渐退保障金，特困含基本生活费和照料护理费，"
            "低收入为单人户保障金及其加发）；补发为已发月份重算后补发的差额，退票重发为银行退回后改付的款项；追回抵扣为从本月保障金中扣回"
            "的多发款。保障金 + 补发 + 退票重发 + 临时救助 + 价格临时补贴 + 取暖救助 − 追回抵扣 = 实发金额。"
            "月人均保障金 = 保障金 ÷ 人数。")
    return [KeepTogether([para("二、本月资金发放（元）", HEADING), para(note, SMALL), Spacer(1, 3),
                          _table(report, FUND_HEADINGS + ("月人均保障金",), lambda row: _fund_cells(row.month))])]


def _year_funds(report: MonthlyReport) -> list:
    months = "、".join(report.year_months)
    note = f"{report.year_label}已审批的发放批次合计（累计月份：{months}）。户次、人次为各月户数、人数之和；" \
           "月人均保障金 = 保障金 ÷ 人次。"
    if report.missing_months:
        note += f"以下月份无已审批的发放批次，未计入：{'、'.join(report.missing_months)}。"
    return [KeepTogether([para(f"三、本年累计资金发放（元，{report.year_label}）", HEADING), para(note, SMALL),
                          Spacer(1, 3),
                          _table(report, ("户次", "人次") + FUND_HEADINGS + ("月人均保障金",),
                                 lambda row: [f"{row.year.households:,}", f"{row.year.persons:,}",
                                              *_fund_cells(row.year)])])]


def _standards(report: MonthlyReport) -> list:
    first = f"{report.month}-01"
    rows: list[list] = [[head(h) for h in ("标准", "城市", "农村", "单位", "说明")]]
    for s in report.standards:
        rows.append([para(s.name, SMALL), money(s.urban), money(s.rural), s.unit, para(s.note, SMALL)])
    story = [para(f"四、保障标准（{first} 执行的标准，即本月发放所依据的政策）", HEADING)]
    if len(rows) == 1:
        story.append(para("政策未规定本月的保障标准。", SMALL))
    else:
        table = grid(rows, [250, 90, 90, 70, WIDTH - 500])
        table.setStyle(TableStyle([("ALIGN", (3, 1), (3, -1), "CENTER"), ("ALIGN", (4, 1), (4, -1), "LEFT"),
                                   ("TOPPADDING", (0, 1), (-1, -1), 1), ("BOTTOMPADDING", (0, 1), (-1, -1), 1)]))
        story.append(table)
    return story


def _signatures(report: MonthlyReport) -> list:
    line = (f"填报单位：{report.name}民政局（盖章）　　单位负责人：＿＿＿＿　　统计负责人：＿＿＿＿　　"
            "填表人：＿＿＿＿　　报出日期：＿＿＿＿年＿＿月＿＿日")
    return [Spacer(1, 12), para(line, BODY)]


# ---- the PDF and its CSV together ---------------------------------------------------------------------------


def csv_path(out: str | Path) -> Path:
    """The CSV beside the PDF: the same name with .csv (2022-02-月报.pdf → 2022-02-月报.csv)."""
    return Path(out).with_suffix(".csv")


def write_monthly_files(report: MonthlyReport, out: str | Path) -> tuple[int, Path]:
    """Write the PDF at `out` and the CSV beside it; returns the PDF's pages and the CSV's path. Both are drawn into
    temporary files beside their targets and moved into place only when both are whole (files.py), so a failure
    leaves neither half-written."""
    pdf_out = Path(out)
    csv_out = csv_path(pdf_out)
    if csv_out == pdf_out:
        raise Refusal(Problem(f"{out}: the report's PDF may not be named .csv: its CSV is written beside it under "
                              "that name (月报 PDF 的文件名不能以 .csv 结尾)", "report.out", field="out"))
    with staged(pdf_out) as pdf_file, staged(csv_out) as csv_file:
        try:
            pages = write_monthly(report, pdf_file.stream)
            write_monthly_csv(report, csv_file.stream)
        except OSError as exc:
            raise Refusal(f"{out}: cannot be written (无法写入): {exc.strerror or exc}") from None
        csv_file.publish()
        pdf_file.publish()
    return pages, csv_out
