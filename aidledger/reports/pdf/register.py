"""Drawing the payment register (发放花名册) as PDF, A4 landscape.

Every page repeats the title, the cycle line and the column header, ends its rows with 本页小计 and 累计,
and carries "第 x 页 共 y 页", the cycle's approval entry and the evidence chain's head in its footer. The
layout is fixed (a row is ROW points high), so the pages are counted before drawing and each page's rows are
written straight into its content stream as text operators: a Table flowable per row manages about 800 rows a
second, this some 20,000, which a county of a million households needs. The last page ends with the grand total
in figures and in capitals (大写), the cycle's state, who prepared it and its sign-off chain (审核 …, 审批, with
the names and days they were given), the signature lines (制表人, 审核人, 负责人) and the seal box (单位盖章); a
draft or a cancelled cycle has neither (nobody may pay from it) and says so across every page. The closing block
never stands alone on a page: the last rows come with it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from reportlab.lib.pagesizes import A4, landscape

from aidledger.reports.register_data import RegisterData, RegisterRow, Subtotal
from aidledger.reports.register_parts import NO_FIGURES, Figures

from .base import Shown, money, new_canvas, widths

PAGE_W, PAGE_H = landscape(A4)
LEFT = 20.0
SIZE = 8  # body font size
MIN_SIZE = 5.5  # a cell too wide for its column is set down to this size before it is cut
ROW = 14.0  # row height
PAD = 2.5
HEADER_TOP = PAGE_H - 76  # top of the column header row
HEADER_H = 18.0
BODY_TOP = HEADER_TOP - HEADER_H
BODY_BOTTOM = 46.0
ROWS_PER_PAGE = int((BODY_TOP - BODY_BOTTOM) // ROW)
PAGE_TOTALS = 2  # 本页小计 and 累计, below every page's rows
END_BLOCK = 11  # rows the closing block (大写, state, the evidence chain, signatures, the seal) needs below them
CARRIED = 5  # rows carried over to a last page that the closing block would otherwise have to itself
DRAFT_MARKS = {"draft": "草稿 未审批 不得发放", "cancelled": "已撤销 作废"}


@dataclass(frozen=True)
class Column:
    title: str
    width: float
    right: bool = False
    pad: float = PAD  # inner space on the aligned side


COLUMNS = (
    Column("序号", 34, True, 5), Column("户主", 48), Column("身份证号", 86), Column("城乡", 26), Column("类别", 40),
    Column("人数", 24, True, 5), Column("基本", 50, True), Column("加发", 42, True), Column("临时救助", 46, True),
    Column("补发/其他", 48, True), Column("扣减", 40, True), Column("实发", 52, True, 5), Column("收款人", 56),
    Column("账号", 96), Column("备注", 114),
)
TABLE_W = sum(c.width for c in COLUMNS)
_EDGES = [LEFT + sum(c.width for c in COLUMNS[:i]) for i in range(len(COLUMNS) + 1)]
LABEL_SPAN = (1, 4)  # a total's label runs over 户主 … 类别
PEOPLE, FIRST_MONEY = 5, 6  # the 人数 column, and the first of the six money columns (基本 … 实发)


def page_bounds(items: int) -> list[tuple[int, int]]:
    """Each page's slice of `items` table rows (rows, township totals and the grand total), the closing block below
    the last. 大写 and the signatures never stand on a page of their own under a bare column header, nor with the
    grand total alone: the closing block's page carries at least the last CARRIED rows before the grand total."""
    room = ROWS_PER_PAGE - PAGE_TOTALS
    pages = max(1, -(-items // room))
    bounds = [(start, min(start + room, items)) for start in range(0, pages * room, room)]
    start, end = bounds[-1]
    if end - start > room - END_BLOCK:  # no room left for the block: its page takes the last rows with it
        carried = min(CARRIED + 1, end - start)
        bounds[-1:] = [(start, end - carried), (end - carried, end)]
    elif end - start <= CARRIED and len(bounds) > 1:  # the grand total and little else: take rows back
        shift = CARRIED + 1 - (end - start)
        before, _ = bounds[-2]
        bounds[-2:] = [(before, start - shift), (start - shift, end)]
    return bounds


def page_count(items: int) -> int:
    """Pages for `items` table rows and the closing block."""
    return len(page_bounds(items))


def write_register(data: RegisterData, target, progress: Callable[[int], None] | None = None) -> int:
    """Draw the register into `target` (a path or a binary file); returns the number of pages."""
    canvas = new_canvas(target, (PAGE_W, PAGE_H), data.title, data.created)
    drawer = _Drawer(data, canvas)
    grand = Subtotal(f"总计（{data.count}户）", data.count, data.people, data.figures)
    items: Sequence = data.body + (grand,)
    bounds = page_bounds(len(items))
    pages = len(bounds)
    carried = (0, 0, NO_FIGURES)
    for number, (start, end) in enumerate(bounds, start=1):
        chunk = items[start:end]
        carried = drawer.page(chunk, number, pages, carried)
        if number == pages:
            drawer.closing(len(chunk) + PAGE_TOTALS)
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
        self.ys = [f"{BODY_TOP - ROW * (i + 1) + 4.5:.2f}" for i in range(ROWS_PER_PAGE)]
        self.lefts = [f"1 0 0 1 {edge + c.pad:.2f} " for edge, c in zip(_EDGES, COLUMNS)]
        self.rights = [edge - c.pad for edge, c in zip(_EDGES[1:], COLUMNS)]
        self.fits = [c.width - c.pad - PAD for c in COLUMNS]
        self.right = [c.right for c in COLUMNS]
        header = data.header
        year, month = header.month.split("-")
        self.subtitle = (f"发放批次 第{header.cycle_id}号　发放月份 {year}年{int(month)}月　"
                         f"项目：{'、'.join(data.programs) or '无'}　状态：{data.status_name}　金额单位：元　"
                         "序号即银行代发文件序号")

    def text(self, ops: list[str], x: float, y: float, text: str, size: float = SIZE) -> None:
        ops.append(f"1 0 0 1 {x:.2f} {y:.2f} Tm {self.show(text, size)}")

    def centred(self, ops: list[str], y: float, text: str, size: float) -> None:
        width = widths(size).of(text)
        self.text(ops, (PAGE_W - width) / 2, y, text, size)

    def page(self, chunk: Sequence, number: int, pages: int,
             carried: tuple[int, int, Figures]) -> tuple[int, int, Figures]:
        """Draw one page's rows, its 本页小计 and 累计; returns the 累计 carried to the next page."""
        if not hasattr(self, "_heading_ops"):  # the same on every page: made once
            self._heading_ops = ([], [])
            self._heading(*self._heading_ops)
        graphics = ["q 0.2 w 0.55 G", *self._heading_ops[0]]
        texts = ["BT 0 g", *self._heading_ops[1]]
        cell, show, measure, add = self._cell, self.show, self.widths.of, texts.append
        lefts, rights, fits, right = self.lefts, self.rights, self.fits, self.right
        households = people = 0
        figures = NO_FIGURES
        for i, item in enumerate(chunk):
            y = self.ys[i]
            bottom = BODY_TOP - ROW * (i + 1)
            if isinstance(item, RegisterRow):  # the hot loop of a large register: one operator per cell
                f = item.figures
                # _cell, inlined for the cells that fit (nearly all): a right-aligned figure is measured by
                # counting, a left-aligned text needs measuring only when it could be too wide.
                for column, text in enumerate((
                        str(item.seq), item.head_name, item.head_id_number, item.area, item.category,
                        str(item.members), _blank(f.basic), _blank(f.addon), _blank(f.temporary), _blank(f.other),
                        _blank(f.deducted), money(f.paid), item.payee_name, item.bank_account, item.note)):
                    if not text:
                        continue
                    if right[column]:
                        width = measure(text)
                        add(f"1 0 0 1 {rights[column] - width:.2f} {y} Tm {show(text, SIZE)}"
                            if width <= fits[column] else cell(column, text, y))
                    elif len(text) * SIZE <= fits[column]:
                        add(f"{lefts[column]}{y} Tm {show(text, SIZE)}")
                    else:
                        add(cell(column, text, y))
                households, people, figures = households + 1, people + item.members, figures.plus(f)
            else:
                self._total_row(graphics, texts, i, item.label if item.township is None
                                else f"{item.label}（{item.households}户）", item.people, item.figures, 0.93)
            graphics.append(f"{LEFT:.2f} {bottom:.2f} m {LEFT + TABLE_W:.2f} {bottom:.2f} l S")
        so_far = (carried[0] + households, carried[1] + people, carried[2].plus(figures))
        self._total_row(graphics, texts, len(chunk), f"本页小计（{households}户）", people, figures, 0.97)
        self._total_row(graphics, texts, len(chunk) + 1, f"累计（{so_far[0]}户）", so_far[1], so_far[2], 0.97)
        bottom = BODY_TOP - ROW * (len(chunk) + PAGE_TOTALS)
        graphics.append(f"0.6 w 0 G {LEFT:.2f} {bottom:.2f} m {LEFT + TABLE_W:.2f} {bottom:.2f} l S 0.2 w 0.55 G")
        self._footer(texts, number, pages)
        graphics.append("Q")
        texts.append("ET")
        if self.data.header.status in DRAFT_MARKS:
            graphics.append(self._watermark())
        self.canvas.addLiteral("\n".join(graphics))
        self.canvas.addLiteral("\n".join(texts))
        return so_far

    def _total_row(self, graphics: list[str], texts: list[str], i: int, label: str, people: int, figures: Figures,
                   grey: float) -> None:
        y, bottom = self.ys[i], BODY_TOP - ROW * (i + 1)
        graphics.append(f"{grey} g {LEFT:.2f} {bottom:.2f} {TABLE_W:.2f} {ROW:.2f} re f")
        graphics.append(f"{LEFT:.2f} {bottom:.2f} m {LEFT + TABLE_W:.2f} {bottom:.2f} l S")
        span = _EDGES[LABEL_SPAN[1] + 1] - _EDGES[LABEL_SPAN[0]] - COLUMNS[LABEL_SPAN[0]].pad - PAD
        texts.append(f"{self.lefts[LABEL_SPAN[0]]}{y} Tm {self.show(self.widths.fit(label, span), SIZE)}")
        texts.append(self._cell(PEOPLE, str(people), y))
        for offset, value in enumerate(figures):
            texts.append(self._cell(FIRST_MONEY + offset, money(value), y))

    def _cell(self, column: int, text: str, y: str) -> str:
        """The text operator of one cell; a text wider than its column is set smaller, down to MIN_SIZE, then cut."""
        fit = self.fits[column]
        if self.right[column]:  # figures: measured by counting (Widths.of), once
            width = self.widths.of(text)
            if width > fit:
                return self._narrowed(column, text, y)
            return f"1 0 0 1 {self.rights[column] - width:.2f} {y} Tm {self.show(text, SIZE)}"
        if len(text) * SIZE > fit and self.widths.of(text) > fit:
            return self._narrowed(column, text, y)
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
        mark = DRAFT_MARKS.get(data.header.status)
        if mark:  # stamped beside the title too, clear of every row
            self.text(texts, LEFT + TABLE_W - widths(14).of(mark), PAGE_H - 44, mark, 14)

    def _watermark(self) -> str:
        """草稿 (or 作废) across the page, in a grey light enough that every figure stays legible and dark enough
        that a photocopy still shows it."""
        word = "草稿" if self.data.header.status == "draft" else "作废"
        size = 150
        width = widths(size).of(word)
        return (f"q 0.86 g BT 0.8192 0.5736 -0.5736 0.8192 {PAGE_W / 2 - width * 0.41 + 40:.2f} "
                f"{PAGE_H / 2 - width * 0.29 - 40:.2f} Tm {self.show(word, size)} ET Q")

    def _footer(self, texts: list[str], number: int, pages: int) -> None:
        header = self.data.header
        self.centred(texts, 28, f"第 {number} 页 共 {pages} 页", SIZE)
        posted = f"　审批分录 第{header.approval_entry}号" if header.approval_entry else "　未审批"
        place = f"{header.jurisdiction_name}（{header.jurisdiction}）"
        self.text(texts, LEFT, 28, f"{place}发放批次 第{header.cycle_id}号{posted}")
        right = f"制表日期 {self.data.created.isoformat()}"
        self.text(texts, LEFT + TABLE_W - self.widths.of(right), 28, right)
        head_seq, head_mac = header.evidence_head
        self.text(texts, LEFT, 16, f"证据链头 第{head_seq}号印记 {head_mac[:16]}", 7)

    def closing(self, used: int) -> None:
        """Below the page's totals: 大写, the programs, the cycle's state and sign-offs, the signature lines and the
        seal box."""
        closing_block(self, BODY_TOP - ROW * used)


def closing_block(drawer, top: float) -> None:
    """The closing block of a register or a summary, from `top` down (page_bounds left room for it)."""
    data, header = drawer.data, drawer.data.header
    lines = [
        f"合计金额（大写）：人民币{data.total_capitals}　（小写）¥{money(data.total)}",
        "其中：" + "；".join(f"{s.label} {s.households}户 {s.people}人 {money(s.amount)}元"
                           for s in data.by_program) if data.by_program else "其中：无",
        f"发放批次状态：{data.status_name}　制表：{_signoff(header.prepared)}　"
        + ("　".join(f"{s.role}：{_signoff(s)}" for s in header.signers) or "审批：—"),
        _evidence(header),
    ]
    signing = header.status not in DRAFT_MARKS
    if not signing:  # paper nobody may pay from carries no place to sign or seal it
        lines.append("草稿不设签字栏和盖章栏：审批后重新打印花名册再签字盖章" if header.status == "draft"
                     else "已撤销的批次作废，不设签字栏和盖章栏")
    texts = ["BT 0 g"]
    y = top - ROW - 4
    for line in lines:
        drawer.text(texts, LEFT, y, widths(10).fit(line, TABLE_W), 10)
        y -= ROW * 1.2
    y -= ROW
    graphics = ["q 0.6 w 0 G"]
    if signing:
        x = LEFT
        for role in ("制表人", "审核人", "负责人"):
            drawer.text(texts, x, y, f"{role}：", 10)
            drawer.text(texts, x + 130, y, "日期：", 10)
            graphics.append(f"{x + 42:.2f} {y - 3:.2f} m {x + 122:.2f} {y - 3:.2f} l S")
            graphics.append(f"{x + 160:.2f} {y - 3:.2f} m {x + 210:.2f} {y - 3:.2f} l S")
            x += 220
        # The seal box, right of the signatures: the unit's seal goes over it.
        box_x, box_top = LEFT + TABLE_W - 110, y + 24
        graphics.append(f"{box_x:.2f} {box_top - 72:.2f} 110 72 re S")
        drawer.text(texts, box_x + 55 - widths(10).of("单位盖章") / 2, box_top - 14, "单位盖章", 10)
        drawer.text(texts, box_x + 55 - widths(9).of("年　月　日") / 2, box_top - 66, "年　月　日", 9)
    texts.append("ET")
    graphics.append("Q")
    drawer.canvas.addLiteral("\n".join(graphics))
    drawer.canvas.addLiteral("\n".join(texts))


def _blank(amount) -> str:
    """An amount cell: blank when nothing, so the unusual parts of a row stand out."""
    return f"{amount:,.2f}" if amount else ""  # money(), without a call: five of these a row


def _evidence(header) -> str:
    """Which books the register was made from: the cycle's seal in the evidence chain, and the chain's head."""
    seal = f"本批次封存于第 {header.seal[0]} 号印记 {header.seal[1][:16]}" if header.seal else "本批次尚未封存（草稿）"
    head_seq, head_mac = header.evidence_head
    unauthenticated = "" if header.authenticated else "；未启用身份认证（本地单用户账簿，签名人未经认证）"
    return f"证据链：{seal}；制表时链头第 {head_seq} 号印记 {head_mac[:16]}{unauthenticated}"


def _signoff(signoff) -> str:
    return f"{signoff.user}（{signoff.on.isoformat()}）" if signoff else "—"
