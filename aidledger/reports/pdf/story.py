"""The audit pack's building blocks (A4 landscape, ReportLab platypus): its paragraph styles, column headings and
ruled tables, shared by every section's drawing (audit.py and the sections it gathers), so they look alike."""

from __future__ import annotations

from decimal import Decimal
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.platypus import Paragraph, Table, TableStyle

from .base import FONT, money

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
