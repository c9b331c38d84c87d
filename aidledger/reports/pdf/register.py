"""Drawing the payment register (发放花名册) as PDF, A4 landscape.

Every page repeats the title, the cycle line and the column header, and carries
"第 x 页 共 y 页". The layout is fixed (a row is ROW points high), so the pages are counted
before drawing and each page's rows are written straight into its content stream as text
operators: a Table flowable per row manages about 800 rows a second, this some 20,000, which
a county of a million households needs. The last page ends with the grand total in figures
and in capitals (大写), the cycle's state, who prepared it and its sign-off chain (审核 …, 审批, with the
names and days they were given), and the signature lines (制表人, 审核人, 负责人); a draft or a cancelled
cycle has none (nobody may pay from it). The closing block never stands alone on a page: the last rows
come with it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from reportlab.lib.pagesizes import A4, landscape

from aidledger.reports.register_data import RegisterData, RegisterRow, Subtotal

from .base import Shown, money, new_canvas, widths

PAGE_W, PAGE_H = landscape(A4)
LEFT = 36.0
SIZE = 9  # body font size
MIN_SIZE = 6  # a cell too wide for its column is set down to this size before it is cut
ROW = 14.0  # row height
PAD = 3.0
HEADER_TOP = PAGE_H - 76  # top of the column header row
HEADER_H = 18.0
BODY_TOP = HEADER_TOP - HEADER_H
BODY_BOTTOM = 44.0
ROWS_PER_PAGE = int((BODY_TOP - BODY_BOTTOM) // ROW)
END_BLOCK = 7  # rows the closing block (大写, state, the evidence chain, signatures) needs below the grand total


@dataclass(frozen=True)
class Column:
    title: str
    width: float
    right: bool = False
    pad: float = PAD  # inner space on the aligned side


COLUMNS = (
    Column("序号", 44, True, 8), Column("户编号", 96, pad=8), Column("户主", 76), Column("身份证号", 120),
    Column("乡镇", 84), Column("人数", 40, True, 12), Column("项目", 56, pad=6), Column("金额", 92, True, 12),
    Column("银行账号", 161, pad=10),
)
TABLE_W = sum(c.width for c in COLUMNS)
_EDGES = [LEFT + sum(c.width for c in COLUMNS[:i]) for i in range(len(COLUMNS) + 1)]
LABEL_SPAN = (1, 4)  # a subtotal's label runs over 户编号 … 乡镇


CARRIED = 5  # rows carried over to a last page that the closing block would otherwise have to itself


def page_bounds(items: int) -> list[tuple[int, int]]:
    """Each page's slice of `items` table rows (rows, subtotals and the grand total), the closing block below the
    last. When the last page has no room left for the block, the next page takes the block and the last CARRIED
    rows with it: 大写 and the signatures never stand on a page of their own, under a bare column header."""
    pages = max(1, -(-items // ROWS_PER_PAGE))
    bounds = [(start, min(start + ROWS_PER_PAGE, items)) for start in range(0, pages * ROWS_PER_PAGE, ROWS_PER_PAGE)]
    start, end = bounds[-1]
    if ROWS_PER_PAGE - (end - start) < END_BLOCK:
        carried = min(CARRIED, end - start)
        bounds[-1:] = [(start, end - carried), (end - carried, end)]
    return bounds


def page_count(items: int) -> int:
    """Pages for `items` table rows and the closing block."""
    return len(page_bounds(items))


def write_register(data: RegisterData, target, progress: Callable[[int], None] | None = None) -> int:
    """Draw the register into `target` (a path or a binary file); returns the number of pages."""
    canvas = new_canvas(target, (PAGE_W, PAGE_H), data.title, data.created)
    drawer = _Drawer(data, canvas)
    grand = Subtotal(f"总计（{data.count}户）", data.count, data.people, data.total)
    items: Sequence = data.body + (grand,)
    bounds = page_bounds(len(items))
    pages = len(bounds)
    for number, (start, end) in enumerate(bounds, start=1):
        chunk = items[start:end]
        drawer.page(chunk, number, pages)
        if number == pages:
            drawer.closing(len(chunk))
        canvas.showPage()
        if progress:
            progress(sum(1 for item in chunk if isinstance(item, RegisterRow)))
    canvas.save()
    return pages


class _Drawer:
    def __init__(self, data: RegisterData, canvas):
        self.data = data
        self.canvas = canvas
        self.show = Shown(canvas)  # every text operator sets its subset of the embedded font
        self.widths = widths(SIZE)
        self.ys = [f"{BODY_TOP - ROW * (i + 1) + 4:.2f}" for i in range(ROWS_PER_PAGE)]
        self.lefts = [f"1 0 0 1 {edge + c.pad:.2f} " for edge, c in zip(_EDGES, COLUMNS)]
        self.rights = [edge - c.pad for edge, c in zip(_EDGES[1:], COLUMNS)]
        self.fits = [c.width - c.pad - PAD for c in COLUMNS]
        header = data.header
        year, month = header.month.split("-")
        self.subtitle = (f"发放批次 第{header.cycle_id}号　发放月份 {year}年{int(month)}月　"
                         f"项目：{'、'.join(data.programs) or '无'}　状态：{data.status_name}　金额单位：元")

    def text(self, ops: list[str], x: float, y: float, text: str, size: float = SIZE) -> None:
        ops.append(f"1 0 0 1 {x:.2f} {y:.2f} Tm {self.show(text, size)}")

    def centred(self, ops: list[str], y: float, text: str, size: float) -> None:
        width = widths(size).of(text)
        self.text(ops, (PAGE_W - width) / 2, y, text, size)

    def page(self, chunk: Sequence, number: int, pages: int) -> None:
        if not hasattr(self, "_heading_ops"):  # the same on every page: made once
            self._heading_ops = ([], [])
            self._heading(*self._heading_ops)
        graphics = ["q 0.2 w 0.55 G", *self._heading_ops[0]]
        texts = ["BT 0 g", *self._heading_ops[1]]
        cell = self._cell
        bottom = BODY_TOP
        for i, item in enumerate(chunk):
            y = self.ys[i]
            bottom = BODY_TOP - ROW * (i + 1)
            if isinstance(item, RegisterRow):  # the hot loop of a large register: one operator per cell
                texts += [cell(column, text, y) for column, text in enumerate((
                    str(item.seq), item.household_id, item.head_name, item.head_id_number, item.township,
                    str(item.members), item.program, money(item.amount), item.bank_account))]
            else:
                graphics.append(f"0.93 g {LEFT:.2f} {bottom:.2f} {TABLE_W:.2f} {ROW:.2f} re f")
                span = _EDGES[LABEL_SPAN[1] + 1] - _EDGES[LABEL_SPAN[0]] - COLUMNS[LABEL_SPAN[0]].pad - PAD
                label = self.widths.fit(f"{item.label}（{item.households}户）" if item.township else item.label, span)
                texts.append(f"{self.lefts[LABEL_SPAN[0]]}{y} Tm {self.show(label, SIZE)}")
                texts.append(cell(5, str(item.people), y))
                texts.append(cell(7, money(item.amount), y))
            graphics.append(f"{LEFT:.2f} {bottom:.2f} m {LEFT + TABLE_W:.2f} {bottom:.2f} l S")
        graphics.append(f"0.6 w 0 G {LEFT:.2f} {bottom:.2f} m {LEFT + TABLE_W:.2f} {bottom:.2f} l S")
        self._footer(texts, number, pages)
        graphics.append("Q")
        texts.append("ET")
        self.canvas.addLiteral("\n".join(graphics))
        self.canvas.addLiteral("\n".join(texts))

    def _cell(self, column: int, text: str, y: str) -> str:
        """The text operator of one cell; a text wider than its column is set smaller, down to MIN_SIZE, then cut."""
        if len(text) * SIZE > self.fits[column] and self.widths.of(text) > self.fits[column]:
            return self._narrowed(column, text, y)
        if COLUMNS[column].right:
            return f"1 0 0 1 {self.rights[column] - self.widths.of(text):.2f} {y} Tm {self.show(text, SIZE)}"
        return f"{self.lefts[column]}{y} Tm {self.show(text, SIZE)}"

    def _narrowed(self, column: int, text: str, y: str) -> str:
        room = self.fits[column]
        size = max(MIN_SIZE, int(SIZE * room / self.widths.of(text) * 10) / 10)
        small = widths(size)
        text = small.fit(text, room)
        x = self.rights[column] - small.of(text) if COLUMNS[column].right else _EDGES[column] + COLUMNS[column].pad
        return f"1 0 0 1 {x:.2f} {y} Tm {self.show(text, size)}"

    def _heading(self, graphics: list[str], texts: list[str]) -> None:
        data = self.data
        self.centred(texts, PAGE_H - 44, data.title, 16)
        self.centred(texts, PAGE_H - 62, self.subtitle, SIZE)
        graphics.append(f"0.88 g {LEFT:.2f} {BODY_TOP:.2f} {TABLE_W:.2f} {HEADER_H:.2f} re f")
        graphics.append(f"0.8 w 0 G {LEFT:.2f} {BODY_TOP:.2f} {TABLE_W:.2f} {HEADER_H:.2f} re S 0.2 w 0.55 G")
        y = BODY_TOP + 5.5
        for i, column in enumerate(COLUMNS):
            width = self.widths.of(column.title)
            self.text(texts, _EDGES[i] + (column.width - width) / 2, y, column.title)
        if data.header.status in ("draft", "cancelled"):  # stamped beside the title, clear of every row
            mark = "草稿 未审批 不得发放" if data.header.status == "draft" else "已撤销 作废"
            texts.append("0.75 0 0 rg")
            self.text(texts, LEFT + TABLE_W - widths(14).of(mark), PAGE_H - 44, mark, 14)
            texts.append("0 g")

    def _footer(self, texts: list[str], number: int, pages: int) -> None:
        header = self.data.header
        self.centred(texts, 24, f"第 {number} 页 共 {pages} 页", SIZE)
        posted = f"　审批分录 第{header.approval_entry}号" if header.approval_entry else ""
        place = f"{header.jurisdiction_name}（{header.jurisdiction}）"
        self.text(texts, LEFT, 24, f"{place}发放批次 第{header.cycle_id}号{posted}")
        right = f"制表日期 {self.data.created.isoformat()}"
        self.text(texts, LEFT + TABLE_W - self.widths.of(right), 24, right)

    def closing(self, used: int) -> None:
        """Below the grand total: 大写, the programs, the cycle's state and sign-offs, the signature lines."""
        data, header = self.data, self.data.header
        top = BODY_TOP - ROW * used  # page_count left room for the block on this page
        lines = [
            f"合计金额（大写）：人民币{data.total_capitals}　（小写）¥{money(data.total)}",
            "其中：" + "；".join(f"{s.label} {s.households}户 {s.people}人 {money(s.amount)}元"
                               for s in data.by_program) if data.by_program else "其中：无",
            f"发放批次状态：{data.status_name}　制表：{_signoff(header.prepared)}　"
            + ("　".join(f"{s.role}：{_signoff(s)}" for s in header.signers) or "审批：—"),
            _evidence(header),
        ]
        signing = header.status not in ("draft", "cancelled")
        if not signing:  # paper nobody may pay from carries no place to sign it
            lines.append("草稿不设签字栏：审批后重新打印花名册再签字" if header.status == "draft"
                         else "已撤销的批次作废，不设签字栏")
        texts = ["BT 0 g"]
        y = top - ROW - 4
        for line in lines:
            self.text(texts, LEFT, y, line, 10)
            y -= ROW * 1.2
        y -= ROW
        x = LEFT
        for role in ("制表人", "审核人", "负责人") if signing else ():
            self.text(texts, x, y, f"{role}：", 10)
            self.text(texts, x + 140, y, "日期：", 10)
            x += TABLE_W / 3
        texts.append("ET")
        graphics = ["q 0.6 w 0 G"]
        x = LEFT
        for _ in range(3 if signing else 0):
            graphics.append(f"{x + 42:.2f} {y - 3:.2f} m {x + 132:.2f} {y - 3:.2f} l S")
            graphics.append(f"{x + 172:.2f} {y - 3:.2f} m {x + 240:.2f} {y - 3:.2f} l S")
            x += TABLE_W / 3
        graphics.append("Q")
        self.canvas.addLiteral("\n".join(graphics))
        self.canvas.addLiteral("\n".join(texts))


def _evidence(header) -> str:
    """Which books the register was made from: the cycle's seal in the evidence chain, and the chain's head."""
    seal = f"本批次封存于第 {header.seal[0]} 号印记 {header.seal[1][:16]}" if header.seal else "本批次尚未封存（草稿）"
    head_seq, head_mac = header.evidence_head
    unauthenticated = "" if header.authenticated else "；未启用身份认证（本地单用户账簿，签名人未经认证）"
    return f"证据链：{seal}；制表时链头第 {head_seq} 号印记 {head_mac[:16]}{unauthenticated}"


def _signoff(signoff) -> str:
    return f"{signoff.user}（{signoff.on.isoformat()}）" if signoff else "—"
