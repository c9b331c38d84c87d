"""What every PDF report shares: the Chinese font, reproducible canvases, amounts, fast text.

The font is WenQuanYi Micro Hei (文泉驿微米黑, Apache-2.0; Debian's fonts-wqy-microhei, which `make os-deps`
installs), embedded as subsets of the glyphs each PDF uses: a machine with no Chinese font shows every character,
and the file carries its own text-to-Unicode map (pdftotext reads it back). Another TrueType font with Chinese
glyphs may be named by AIDLEDGER_PDF_FONT (a .ttf, or a .ttc's first face).

Reproducible output: every canvas is made in ReportLab's invariant mode and carries a
creation date taken from the data (a cycle's approval, an audit year's end, or --created),
so the same books give the same bytes.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from pathlib import Path

from reportlab import rl_config
from reportlab.lib.rl_accel import escapePDF
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFError, TTFont
from reportlab.pdfgen import canvas as rl_canvas

from aidledger.errors import Refusal

FONT = "WenQuanYiMicroHei"
FONT_FILES = ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", "/usr/share/fonts/wqy-microhei/wqy-microhei.ttc")
# Compressed streams stay binary: without ReportLab's C accelerator its ASCII85 encoder, in
# Python, took a third of the time of a large register. (Process-wide; only reports use ReportLab.)
rl_config.useA85 = 0
NUMERIC = "0123456789*"
MEMO = 200_000  # texts (not ASCII) whose text operators a document keeps once made


def font_file() -> Path:
    """The TrueType file the reports embed: AIDLEDGER_PDF_FONT, else the first of FONT_FILES that exists."""
    named = os.environ.get("AIDLEDGER_PDF_FONT")
    for candidate in ([named] if named else FONT_FILES):
        if Path(candidate).is_file():
            return Path(candidate)
    raise Refusal(f"PDF 报表需要嵌入中文字体，但找不到字体文件 {named or FONT_FILES[0]}：请安装 fonts-wqy-microhei"
                  "（make os-deps 会安装），或以 AIDLEDGER_PDF_FONT 指定一个含中文字形的 TrueType 字体文件 "
                  "(the Chinese font the PDF reports embed is missing)")


def ensure_font() -> None:
    """Register FONT with ReportLab once per process (reading the font takes a tenth of a second)."""
    if FONT in pdfmetrics.getRegisteredFontNames():
        return
    path = font_file()
    try:
        font = TTFont(FONT, str(path), subfontIndex=0)
    except (TTFError, OSError) as error:
        raise Refusal(f"字体文件 {path} 无法读取或不能嵌入：{error}") from None
    if not font.face.charToGlyph.get(ord("县")):
        raise Refusal(f"字体文件 {path} 没有中文字形：请指定含中文字形的 TrueType 字体（AIDLEDGER_PDF_FONT）")
    pdfmetrics.registerFont(font)
    # One face for every style (the reports set no bold or italic), and the font of ReportLab's graphics (the
    # audit pack's charts), which would otherwise name Helvetica without embedding it. Process-wide, as above.
    pdfmetrics.registerFontFamily(FONT, normal=FONT, bold=FONT, italic=FONT, boldItalic=FONT)
    rl_config.defaultGraphicsFontName = FONT


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
    """A reproducible canvas whose only font is FONT (no base-14 font, which a PDF would name and not embed)."""
    ensure_font()
    canvas = rl_canvas.Canvas(pdf_target(target), pagesize=pagesize, invariant=1, pageCompression=1,
                              initialFontName=FONT, initialFontSize=9)
    stamp(canvas, title, created)
    return canvas


class Shown(dict):
    """The text operators of one document: character → (subset, its escaped byte in that subset), filled as text is
    met. An embedded TrueType font is written as subsets of at most 256 glyphs, each a font resource of its own
    (/F1+0, /F1+1 …), so a string is shown as runs, each after the Tf that selects its subset."""

    def __init__(self, canvas: rl_canvas.Canvas):
        super().__init__()
        self.doc = canvas._doc
        self.font = pdfmetrics.getFont(FONT)
        self.names: dict[int, str] = {}
        self.memo: dict[tuple[str, float, type], str] = {}
        # ReportLab keeps printable ASCII at its own codes in subset 0: most of a register's cells (numbers, ids,
        # amounts, masked digits) are then shown as they are. Their glyphs are embedded once, here.
        self.ascii = all(self[chr(code)] == (0, escapePDF(chr(code))) for code in range(32, 127))

    def __missing__(self, char: str) -> tuple[int, str]:
        ((subset, code),) = self.font.splitString(char, self.doc)
        value = (subset, escapePDF(code.decode("latin-1")))
        self[char] = value
        if subset not in self.names:
            self.names[subset] = self.font.getSubsetInternalName(subset, self.doc)
        return value

    def __call__(self, text: str, size: float) -> str:
        """`text` at `size` from the current text position: "/F1+0 9 Tf (…) Tj", one run per subset."""
        if self.ascii and text.isascii() and text.isprintable():
            if "(" in text or ")" in text or "\\" in text:  # else nothing to escape (most cells: figures, masks)
                text = escapePDF(text)
            return f"{self.names[0]} {size} Tf ({text}) Tj"
        # Chinese cells repeat (城市, 农村, 低保, names shared by many): each is run through its subsets once. The
        # runs depend only on the text and the size (a character keeps its subset once met), so they are the same
        # bytes; the memo is bounded, so that a county of unique names costs no more than before. (The size's type is
        # in the key: 8 and 8.0 are equal keys but write "8" and "8.0".)
        key = (text, size, type(size))
        shown = self.memo.get(key)
        if shown is None:
            shown = self._runs(text, size)
            if len(self.memo) < MEMO:
                self.memo[key] = shown
        return shown

    def _runs(self, text: str, size: float) -> str:
        runs: list[str] = []
        current, codes = -1, []
        for char in text:
            subset, code = self[char]
            if subset != current:
                if codes:
                    runs.append(f"{self.names[current]} {size} Tf ({''.join(codes)}) Tj")
                current, codes = subset, []
            codes.append(code)
        if codes:
            runs.append(f"{self.names[current]} {size} Tf ({''.join(codes)}) Tj")
        return " ".join(runs)


_FIGURE_CHARS = NUMERIC + ",."


class Widths(dict):
    """Character → width in points at one size of FONT; a string's width is the sum."""

    def __init__(self, size: float):
        super().__init__()
        self.size = size
        ensure_font()
        self.digit, star, comma, point = (pdfmetrics.stringWidth(c, FONT, size) for c in "0*,.")
        # Amounts, counts and masked numbers (most of a register's cells) are measured by counting: the font's
        # digits (and its asterisk) are all as wide.
        self.comma_less, self.point_less = self.digit - comma, self.digit - point
        assert star == self.digit and all(pdfmetrics.stringWidth(c, FONT, size) == self.digit for c in "123456789")

    def __missing__(self, char: str) -> float:
        value = pdfmetrics.stringWidth(char, FONT, self.size)
        self[char] = value
        return value

    def of(self, text: str) -> float:
        if not text.strip(_FIGURE_CHARS):
            return len(text) * self.digit - text.count(",") * self.comma_less - text.count(".") * self.point_less
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

