"""The audit pack's charts (ReportLab graphics): execution rates per fund, budget execution per fund, the cap,
monthly payments.

Read on paper in black and white: series differ by clearly distinct greys, every bar outlined in black, each
chart has a title with its unit (万元 or %), a unit on its value axis and a legend. Charts only draw figures the
tables beside them print; values become floats here, for drawing, and nowhere else.
"""

from __future__ import annotations

from decimal import Decimal

from reportlab.graphics.charts.barcharts import HorizontalBarChart, VerticalBarChart
from reportlab.graphics.charts.legends import Legend
from reportlab.graphics.shapes import Drawing, Line, Rect, String
from reportlab.lib import colors

from aidledger.labels import FUND_SHORT_NAMES, PROGRAM_NAMES
from aidledger.reports.audit_data import AuditPack, CapStatus
from aidledger.reports.audit_months import programme_totals

from .base import FONT, money

# Greys far enough apart to tell on a laser print: white, light, middle, dark, black.
GREYS = (colors.white, colors.Color(0.78, 0.78, 0.78), colors.Color(0.5, 0.5, 0.5), colors.Color(0.25, 0.25, 0.25),
         colors.black)
TEN_THOUSAND = Decimal(10000)


def _wan(value: Decimal) -> float:
    return float(value / TEN_THOUSAND)


def _title(drawing: Drawing, text: str) -> None:
    drawing.add(String(60, drawing.height - 12, text, fontName=FONT, fontSize=9))


def _legend(drawing: Drawing, x: float, y: float, names: list[str]) -> None:
    legend = Legend()
    legend.x, legend.y = x, y
    legend.fontName, legend.fontSize = FONT, 8
    legend.alignment = "right"
    legend.columnMaximum = len(names)
    legend.strokeColor, legend.strokeWidth = colors.black, 0.5  # a white swatch needs its outline
    legend.colorNamePairs = list(zip(GREYS, names))
    drawing.add(legend)


def _bars(drawing: Drawing, data: list[list[float]], categories: list[str], stacked: bool,
          unit: str) -> VerticalBarChart:
    chart = VerticalBarChart()
    chart.x, chart.y, chart.width, chart.height = 60, 30, drawing.width - 190, drawing.height - 60
    chart.data = data or [[0.0]]
    chart.categoryAxis.categoryNames = categories or [""]
    chart.categoryAxis.labels.fontName = FONT
    chart.categoryAxis.labels.fontSize = 8
    chart.valueAxis.labels.fontName = FONT
    chart.valueAxis.labels.fontSize = 7
    chart.valueAxis.valueMin = 0
    chart.valueAxis.labelTextFormat = lambda v: f"{v:,.1f}"
    if stacked:
        chart.categoryAxis.style = "stacked"
    chart.barSpacing = 1
    chart.groupSpacing = 8
    for i in range(len(chart.data)):
        chart.bars[i].fillColor = GREYS[i % len(GREYS)]
        chart.bars[i].strokeColor = colors.black
        chart.bars[i].strokeWidth = 0.5
    drawing.add(chart)
    drawing.add(String(chart.x - 8, chart.y + chart.height + 6, unit, fontName=FONT, fontSize=7, textAnchor="end"))
    return chart


def budget_chart(pack: AuditPack, width: float = 720, height: float = 190) -> Drawing:
    """Opening, received, spent and committed per fund that held or moved money in the year, in 万元."""
    drawing = Drawing(width, height)
    funds = [f for f in pack.funds if f.opening or f.received or f.spent or f.committed]
    series = [[_wan(f.opening) for f in funds], [_wan(f.received) for f in funds], [_wan(f.spent) for f in funds],
              [_wan(f.committed) for f in funds]]
    _title(drawing, "各项资金收支（万元）")
    _bars(drawing, series if funds else [], [FUND_SHORT_NAMES.get(f.fund, f.fund) for f in funds], stacked=False,
          unit="万元")
    _legend(drawing, width - 10, height - 30, ["年初结余", "本年收到", "本年支出", "已承诺"])
    return drawing


def execution_rates(pack: AuditPack) -> list[tuple[str, Decimal]]:
    """Each fund's execution rate: spent over what it had (opening + received), in per cent, for funds that had
    money."""
    out = []
    for f in pack.funds:
        had = f.opening + f.received
        if had > 0:
            out.append((FUND_SHORT_NAMES.get(f.fund, f.fund), (f.spent * 100 / had).quantize(Decimal("0.1"))))
    return out


def execution_chart(pack: AuditPack, width: float = 720, height: float = 0) -> Drawing:
    """The execution rate of each fund, a bar with its figure, on a 0–100 % scale."""
    rates = execution_rates(pack)[::-1]  # a horizontal chart draws its first category at the bottom
    height = height or 40 + 18 * max(len(rates), 1)
    drawing = Drawing(width, height)
    _title(drawing, "预算执行率（%）：本年支出 ÷（年初结余 + 本年收到）")
    chart = HorizontalBarChart()
    chart.x, chart.y, chart.width, chart.height = 60, 14, width - 190, height - 40
    chart.data = [[float(rate) for _, rate in rates] or [0.0]]
    chart.categoryAxis.categoryNames = [name for name, _ in rates] or [""]
    chart.categoryAxis.labels.fontName = FONT
    chart.categoryAxis.labels.fontSize = 8
    chart.valueAxis.valueMin, chart.valueAxis.valueMax, chart.valueAxis.valueStep = 0, 100, 20
    chart.valueAxis.labels.fontName = FONT
    chart.valueAxis.labels.fontSize = 7
    chart.valueAxis.labelTextFormat = lambda v: f"{v:.0f}%"
    chart.bars[0].fillColor, chart.bars[0].strokeColor, chart.bars[0].strokeWidth = GREYS[2], colors.black, 0.5
    chart.barLabelFormat = lambda v: f"{v:.1f}%"
    chart.barLabels.fontName, chart.barLabels.fontSize = FONT, 7
    chart.barLabels.boxAnchor = "w"
    chart.barLabels.dx = 4
    drawing.add(chart)
    return drawing


def cap_chart(cap: CapStatus, width: float = 720, height: float = 46) -> Drawing:
    """The purchased-services cap as a bar, the part used filled dark grey."""
    drawing = Drawing(width, height)
    left, bar_w, y = 60.0, width - 190, 14.0
    drawing.add(Rect(left, y, bar_w, 14, fillColor=colors.white, strokeColor=colors.black, strokeWidth=0.6))
    share = float(min(cap.used / cap.cap, 1)) if cap.cap > 0 else (1.0 if cap.used > 0 else 0.0)
    if share:
        drawing.add(Rect(left, y, bar_w * share, 14, fillColor=GREYS[3], strokeColor=colors.black, strokeWidth=0.6))
    drawing.add(String(left, y + 20, f"购买服务限额执行率（%）：限额 {money(cap.cap)} 元，已用 {money(cap.used)} 元，"
                                     f"余额 {money(cap.headroom)} 元", fontName=FONT, fontSize=8))
    drawing.add(String(left + bar_w + 8, y + 3, f"已用 {share:.0%}", fontName=FONT, fontSize=8))
    drawing.add(Line(left + bar_w, y - 3, left + bar_w, y + 17, strokeColor=colors.black, strokeWidth=0.8))
    return drawing


def monthly_chart(pack: AuditPack, width: float = 720, height: float = 200) -> Drawing:
    """Each month's payments, stacked by programme, in 万元."""
    drawing = Drawing(width, height)
    programs = [r.program for r in programme_totals(pack.months)]
    months = list(dict.fromkeys(r.month for r in pack.months))
    paid = {(r.month, r.program): r.figures.paid for r in pack.months}
    series = [[_wan(paid.get((m, p), Decimal(0))) for m in months] for p in programs]
    _title(drawing, "月度发放金额（万元）")
    _bars(drawing, series, [f"{int(m[5:])}月" for m in months], stacked=True, unit="万元")
    _legend(drawing, width - 10, height - 30, [PROGRAM_NAMES.get(p, p) for p in programs])
    return drawing
