"""Drawing the county's summary of a cycle (发放汇总表) as PDF, A4 landscape: what the county signs for.

One row per programme of each township, the township's 合计, then the county's programmes and the 总计, in
the register's columns (户数, 人数, 基本, 加发, 临时救助, 补发/其他, 扣减, 实发), so each township's signed
register ties to a line here and the 总计 to the bank file's control row. The closing block (大写, the
sign-off chain, the signature lines, the seal box) is the register's.
"""

from __future__ import annotations

from aidledger.reports.register_data import RegisterData, Subtotal

from .base import Shown, money, new_canvas, widths
from .register import (
    BODY_TOP,
    DRAFT_MARKS,
    END_BLOCK,
    HEADER_H,
    LEFT,
    PAGE_H,
    PAGE_W,
    ROW,
    ROWS_PER_PAGE,
    SIZE,
    closing_block,
)

TITLES = ("乡镇", "项目", "户数", "人数", "基本", "加发", "临时救助", "补发/其他", "扣减", "实发")
WIDTHS = (150, 90, 60, 60, 80, 70, 80, 80, 70, 62)
_EDGES = [LEFT + sum(WIDTHS[:i]) for i in range(len(WIDTHS) + 1)]
TABLE_W = sum(WIDTHS)


def summary_title(data: RegisterData) -> str:
    return data.title.replace("发放花名册", "发放汇总表")


def summary_rows(data: RegisterData) -> list[tuple[Subtotal, bool]]:
    """The table's rows, each with whether it is a total (shaded): township by township, then the county."""
    rows: list[tuple[Subtotal, bool]] = []
    for township in data.by_township:
        rows += [(s, False) for s in data.by_township_program if s.township == township.township]
        rows.append((township, True))
    rows += [(s, False) for s in data.by_program]
    rows.append((Subtotal(f"总计（{data.count}户）", data.count, data.people, data.figures), True))
    return rows


def write_summary(data: RegisterData, target) -> int:
    """Draw the summary into `target` (a path or a binary file); returns the number of pages."""
    canvas = new_canvas(target, (PAGE_W, PAGE_H), summary_title(data), data.created)
    drawer = _Drawer(data, canvas)
    rows = summary_rows(data)
    chunks = [rows[i:i + ROWS_PER_PAGE] for i in range(0, len(rows), ROWS_PER_PAGE)] or [[]]
    if ROWS_PER_PAGE - len(chunks[-1]) < END_BLOCK:  # the closing block takes the last rows to a page of its own
        last = chunks.pop()
        cut = max(len(last) - 5, 0)
        chunks += [last[:cut], last[cut:]] if cut else [last]
    for number, chunk in enumerate(chunks, start=1):
        drawer.page(chunk, number, len(chunks))
        if number == len(chunks):
            closing_block(drawer, BODY_TOP - ROW * len(chunk))
        canvas.showPage()
    canvas.save()
    return len(chunks)


class _Drawer:
    def __init__(self, data: RegisterData, canvas):
        self.data = data
        self.canvas = canvas
        self.show = Shown(canvas)
        self.widths = widths(SIZE)

    def text(self, ops: list[str], x: float, y: float, text: str, size: float = SIZE) -> None:
        ops.append(f"1 0 0 1 {x:.2f} {y:.2f} Tm {self.show(text, size)}")

    def page(self, chunk: list[tuple[Subtotal, bool]], number: int, pages: int) -> None:
        data, header = self.data, self.data.header
        graphics, texts = ["q 0.2 w 0.55 G"], ["BT 0 g"]
        title = summary_title(data)
        self.text(texts, (PAGE_W - widths(16).of(title)) / 2, PAGE_H - 44, title, 16)
        year, month = header.month.split("-")
        subtitle = (f"发放批次 第{header.cycle_id}号　发放月份 {year}年{int(month)}月　状态：{data.status_name}　"
                    "金额单位：元　各乡镇合计与其发放花名册相符，总计与银行代发文件合计相符")
        self.text(texts, (PAGE_W - self.widths.of(subtitle)) / 2, PAGE_H - 62, subtitle)
        mark = DRAFT_MARKS.get(header.status)
        if mark:
            self.text(texts, LEFT + TABLE_W - widths(14).of(mark), PAGE_H - 44, mark, 14)
        graphics.append(f"0.88 g {LEFT:.2f} {BODY_TOP:.2f} {TABLE_W:.2f} {HEADER_H:.2f} re f")
        graphics.append(f"0.8 w 0 G {LEFT:.2f} {BODY_TOP:.2f} {TABLE_W:.2f} {HEADER_H:.2f} re S 0.2 w 0.55 G")
        for i, title_text in enumerate(TITLES):
            self.text(texts, _EDGES[i] + (WIDTHS[i] - self.widths.of(title_text)) / 2, BODY_TOP + 5.5, title_text)
        for i, (row, total) in enumerate(chunk):
            y, bottom = BODY_TOP - ROW * (i + 1) + 4.5, BODY_TOP - ROW * (i + 1)
            if total:
                graphics.append(f"0.93 g {LEFT:.2f} {bottom:.2f} {TABLE_W:.2f} {ROW:.2f} re f")
            graphics.append(f"{LEFT:.2f} {bottom:.2f} m {LEFT + TABLE_W:.2f} {bottom:.2f} l S")
            place, _, program = row.label.partition(" ")
            cells = (place, program, str(row.households), str(row.people), *(money(v) for v in row.figures))
            if row.township is None and row.program is not None:  # a county programme's line
                cells = ("全县", row.label, *cells[2:])
            for column, cell in enumerate(cells):
                if column < 2:
                    self.text(texts, _EDGES[column] + 4, y, self.widths.fit(cell, WIDTHS[column] - 8))
                else:
                    self.text(texts, _EDGES[column + 1] - 4 - self.widths.of(cell), y, cell)
        self.text(texts, (PAGE_W - self.widths.of(f"第 {number} 页 共 {pages} 页")) / 2, 28,
                  f"第 {number} 页 共 {pages} 页")
        posted = f"　审批分录 第{header.approval_entry}号" if header.approval_entry else "　未审批"
        self.text(texts, LEFT, 28, f"{header.jurisdiction_name}（{header.jurisdiction}）发放批次 第{header.cycle_id}号"
                                   f"{posted}")
        head_seq, head_mac = header.evidence_head
        self.text(texts, LEFT, 16, f"证据链头 第{head_seq}号印记 {head_mac[:16]}", 7)
        right = f"制表日期 {data.created.isoformat()}"
        self.text(texts, LEFT + TABLE_W - self.widths.of(right), 28, right)
        graphics.append("Q")
        texts.append("ET")
        self.canvas.addLiteral("\n".join(graphics))
        self.canvas.addLiteral("\n".join(texts))
