"""The audit pack's charts (ReportLab graphics): budget execution per fund, the cap, monthly payments.

Charts only draw figures the tables beside them print; values become floats here, for
drawing, and nowhere else.
"""

from __future__ import annotations

from reportlab.graphics.charts.barcharts import VerticalBarChart
from reportlab.graphics.charts.legends import Legend
from reportlab.graphics.shapes import Drawing, Rect, String
from reportlab.lib import colors

from aidledger.labels import FUND_SHORT_NAMES, PROGRAM_NAMES
from aidledger.reports.audit_data import AuditPack, CapStatus

from .base import FONT, money

PALETTE = (colors.HexColor("#4472C4"), colors.HexColor("#ED7D31"), colors.HexColor("#A5A5A5"),
           colors.HexColor("#70AD47"), colors.HexColor("#FFC000"))


def _legend(drawing: Drawing, x: float, y: float, names: list[str]) -> None:
    legend = Legend()
    legend.x, legend.y = x, y
    legend.fontName, legend.fontSize = FONT, 8
    legend.alignment = "right"
    legend.columnMaximum = len(names)
    legend.colorNamePairs = list(zip(PALETTE, names))
    drawing.add(legend)


def _bars(drawing: Drawing, data: list[list[float]], categories: list[str], stacked: bool) -> VerticalBarChart:
    chart = VerticalBarChart()
    chart.x, chart.y, chart.width, chart.height = 60, 30, drawing.width - 190, drawing.height - 50
    chart.data = data or [[0.0]]
    chart.categoryAxis.categoryNames = categories or [""]
    chart.categoryAxis.labels.fontName = FONT
    chart.categoryAxis.labels.fontSize = 8
    chart.valueAxis.labels.fontName = FONT
    chart.valueAxis.labels.fontSize = 7
    chart.valueAxis.valueMin = 0
    chart.valueAxis.labelTextFormat = lambda v: f"{v:,.0f}"
    if stacked:
        chart.categoryAxis.style = "stacked"
    chart.barSpacing = 1
    chart.groupSpacing = 8
    for i in range(len(chart.data)):
        chart.bars[i].fillColor = PALETTE[i % len(PALETTE)]
        chart.bars[i].strokeColor = None
    drawing.add(chart)
    return chart


def budget_chart(pack: AuditPack, width: float = 720, height: float = 190) -> Drawing:
    """Opening, received, spent and committed per fund that held or moved money in the year."""
    drawing = Drawing(width, height)
    funds = [f for f in pack.funds if f.opening or f.received or f.spent or f.committed]
    series = [[float(f.opening) for f in funds], [float(f.received) for f in funds], [float(f.spent) for f in funds],
              [float(f.committed) for f in funds]]
    _bars(drawing, series if funds else [], [FUND_SHORT_NAMES.get(f.fund, f.fund) for f in funds], stacked=False)
    _legend(drawing, width - 10, height - 20, ["期初", "本年收入", "本年支出", "占用"])
    return drawing


def cap_chart(cap: CapStatus, width: float = 720, height: float = 46) -> Drawing:
    """The purchased-services cap as a bar, the part used filled."""
    drawing = Drawing(width, height)
    left, bar_w, y = 60.0, width - 190, 14.0
    drawing.add(Rect(left, y, bar_w, 14, fillColor=colors.white, strokeColor=colors.black, strokeWidth=0.6))
    share = float(min(cap.used / cap.cap, 1)) if cap.cap > 0 else (1.0 if cap.used > 0 else 0.0)
    if share:
        drawing.add(Rect(left, y, bar_w * share, 14, fillColor=PALETTE[1], strokeColor=None))
    drawing.add(String(left, y + 20, f"购买服务限额 {money(cap.cap)} 元：已用 {money(cap.used)} 元，"
                                     f"余额 {money(cap.headroom)} 元", fontName=FONT, fontSize=8))
    drawing.add(String(left + bar_w + 8, y + 3, f"{share:.0%}", fontName=FONT, fontSize=8))
    return drawing


def monthly_chart(pack: AuditPack, width: float = 720, height: float = 200) -> Drawing:
    """Each month's posted payments, stacked by program."""
    drawing = Drawing(width, height)
    programs = [p for p, _, _ in pack.months[0].by_program] if pack.months else []
    series = [[float(m.by_program[i][2]) for m in pack.months] for i in range(len(programs))]
    _bars(drawing, series, [f"{int(m.month[5:])}月" for m in pack.months], stacked=True)
    _legend(drawing, width - 10, height - 20, [PROGRAM_NAMES.get(p, p) for p in programs])
    return drawing
