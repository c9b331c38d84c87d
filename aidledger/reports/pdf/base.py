"""What every PDF report shares: the Chinese font, reproducible canvases, amounts, fast text.

The font is ReportLab's built-in CID font STSong-Light (Adobe-GB1): the PDF names it and
every reader supplies the glyphs, so nothing needs installing on a fresh machine.

Reproducible output: every canvas is made in ReportLab's invariant mode and carries a
creation date taken from the data (a cycle's approval, an audit year's end, or --created),
so the same books give the same bytes.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import date
from decimal import Decimal

from reportlab import rl_config
from reportlab.lib.rl_accel import escapePDF
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas as rl_canvas

FONT = "STSong-Light"
pdfmetrics.registerFont(UnicodeCIDFont(FONT))
# Compressed streams stay binary: without ReportLab's C accelerator its ASCII85 encoder, in
# Python, took a third of the time of a large register. (Process-wide; only reports use ReportLab.)
rl_config.useA85 = 0
NUMERIC = "0123456789*,."


def money(amount: Decimal) -> str:
    """1234.5 → 1,234.50 (amounts on paper carry thousands separators)."""
    return f"{amount:,.2f}"


def pdf_date(day: date) -> Callable[..., str]:
    """A date formatter for the PDF's CreationDate and ModDate: `day` at midnight UTC, whatever the clock."""
    stamp = f"D:{day.year:04d}{day.month:02d}{day.day:02d}000000+00'00'"
    return lambda *_: stamp


def stamp(canvas: rl_canvas.Canvas, title: str, created: date) -> None:
    """Title, author and the fixed creation date of a report."""
    canvas.setTitle(title)
    canvas.setAuthor("aidledger")
    canvas.setCreator("aidledger")
    canvas.setProducer("aidledger (ReportLab)")
    canvas.setDateFormatter(pdf_date(created))


def pdf_target(target):
    """A path (str or Path) or a binary file, as ReportLab takes it."""
    return os.fspath(target) if isinstance(target, os.PathLike) else target


def new_canvas(target, pagesize, title: str, created: date) -> rl_canvas.Canvas:
    canvas = rl_canvas.Canvas(pdf_target(target), pagesize=pagesize, invariant=1, pageCompression=1)
    stamp(canvas, title, created)
    return canvas


class _Escapes(dict):
    """code point → the PDF string bytes of its UTF-16BE code unit(s), escaped; filled as text is met."""

    def __missing__(self, code: int) -> str:
        value = escapePDF(chr(code).encode("utf-16-be").decode("latin-1"))
        self[code] = value
        return value


_ESCAPES = _Escapes()


def pdf_text(text: str) -> str:
    """Text as the operand of Tj for the CID font (encoding UniGB-UCS2-H: UTF-16BE)."""
    return text.translate(_ESCAPES)


class Widths(dict):
    """Character → width in points at one size of FONT; a string's width is the sum."""

    def __init__(self, size: float):
        super().__init__()
        self.size = size
        self.digit, star, comma, point = (pdfmetrics.stringWidth(c, FONT, size) for c in "0*,.")
        # Amounts, counts and masked numbers (most of a register's cells) are measured by counting.
        self.star_less, self.punct_less = self.digit - star, self.digit - comma
        assert comma == point and all(pdfmetrics.stringWidth(c, FONT, size) == self.digit for c in "123456789")

    def __missing__(self, char: str) -> float:
        value = pdfmetrics.stringWidth(char, FONT, self.size)
        self[char] = value
        return value

    def of(self, text: str) -> float:
        if not text.strip(NUMERIC):
            return (len(text) * self.digit - text.count("*") * self.star_less
                    - (text.count(",") + text.count(".")) * self.punct_less)
        return sum(map(self.__getitem__, text))

    def fit(self, text: str, width: float) -> str:
        """The text, cut with … when it is wider than `width`."""
        if len(text) * self.size <= width or self.of(text) <= width:
            return text
        while text and self.of(text + "…") > width:
            text = text[:-1]
        return text + "…"


_WIDTHS: dict[float, Widths] = {}


def widths(size: float) -> Widths:
    """The (shared, growing) width table of FONT at `size`."""
    table = _WIDTHS.get(size)
    if table is None:
        table = _WIDTHS[size] = Widths(size)
    return table


def font_name(canvas: rl_canvas.Canvas) -> str:
    """The resource name (/F1, …) under which the canvas's document knows FONT."""
    return canvas._doc.getInternalFontName(FONT)
