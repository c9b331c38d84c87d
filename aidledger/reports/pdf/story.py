"""The audit pack's building blocks (A4 landscape, ReportLab platypus): its paragraph styles, column headings and
ruled tables, shared by every section's drawing (audit.py and the sections it gathers), so they look alike."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Paragraph, Table, TableStyle

from .base import FONT, money, stamp

PAGE = landscape(A4)
MARGIN = 36
BODY = ParagraphStyle("body", fontName=FONT, fontSize=9, leading=12, wordWrap="CJK")
SMALL = ParagraphStyle("small", parent=BODY, fontSize=7.5, leading=9.5)
COLUMN_HEAD = ParagraphStyle("column_head", parent=SMALL, alignment=1)
TITLE = ParagraphStyle("title", parent=BODY, fontSize=18, leading=24, alignment=1, spaceAfter=6)
SUBTITLE = ParagraphStyle("subtitle", parent=BODY, fontSize=10, leading=14, alignment=1, spaceAfter=14)
HEADING = ParagraphStyle("heading", parent=BODY, fontSize=13, leading=18, spaceBefore=6, spaceAfter=6)
SUBHEADING = ParagraphStyle("subheading", parent=BODY, fontSize=10.5, leading=14, spaceBefore=8, spaceAfter=3)


def para(text: str, style: ParagraphStyle = BODY) -> Paragraph:
    return Paragraph(escape(text), style)


def head(text: str, style: ParagraphStyle = COLUMN_HEAD) -> Paragraph:
    """A column heading; "上 下" (two parts) is set on two lines, so that a narrow column never cuts a word."""
    chinese, _, english = text.partition(" ")
    return Paragraph(escape(chinese) + ("<br/>" + escape(english) if english else ""), style)


def grid(rows: list[list], widths: list[float], right_from: int = 1, size: float = 8, total_row: bool = False,
          header_rows: int = 1) -> Table:
    table = Table(rows, colWidths=widths, repeatRows=header_rows, hAlign="LEFT")
    style = [
        ("FONT", (0, 0), (-1, -1), FONT, size),
        ("GRID", (0, 0), (-1, -1), 0.3, colors.grey),
        ("BACKGROUND", (0, 0), (-1, header_rows - 1), colors.HexColor("#E4E4E4")),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("ALIGN", (right_from, header_rows), (-1, -1), "RIGHT"),
        ("ALIGN", (0, 0), (-1, header_rows - 1), "CENTER"),
        ("TOPPADDING", (0, 0), (-1, -1), 2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
    ]
    if total_row:
        style.append(("BACKGROUND", (0, -1), (-1, -1), colors.HexColor("#F0F0F0")))
    table.setStyle(TableStyle(style))
    return table


def amount(value: Decimal | None) -> str:
    return "" if value is None else money(value)


def numbered_canvas(title: str, created: date) -> type[Canvas]:
    """The audit pack's page furniture: a canvas that keeps each page until save(), then writes 第 x 页 共 y 页,
    the title and the date on all of them."""

    class NumberedCanvas(Canvas):  # type: ignore[misc]  # ReportLab is untyped
        def __init__(self, *args: object, **kwargs: object) -> None:
            super().__init__(*args, **kwargs)
            stamp(self, title, created)
            self._pages: list[dict[str, object]] = []

        def showPage(self) -> None:
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
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
