"""The payment order (支付令 / 拨款通知) sent with a cycle's bank files: each paying bank's file, its count and
total, the grand total in figures and in capitals (大写), and the signature lines. Reproducible: invariant mode,
dated by the cycle's approval, so a reprint is the same bytes."""

from __future__ import annotations

import io
from collections.abc import Sequence

from reportlab.platypus import SimpleDocTemplate, Spacer

from aidledger.disbursement.banks.order import PaymentOrder
from aidledger.disbursement.banks.writer import PaymentFile

from .base import FONT, ensure_font, money
from .story import BODY, MARGIN, PAGE, SUBTITLE, TITLE, grid, head, numbered_canvas, para


def payment_order_pdf(order: PaymentOrder) -> bytes:
    """The order as PDF bytes."""
    ensure_font()
    title = f"救助资金支付令（拨款通知） {order.month} 第{order.cycle_id}号批次"
    out = io.BytesIO()
    doc = SimpleDocTemplate(out, pagesize=PAGE, leftMargin=MARGIN, rightMargin=MARGIN, topMargin=MARGIN,
                            bottomMargin=MARGIN + 8,
                            title=title, author="aidledger", creator="aidledger", producer="aidledger (ReportLab)",
                            invariant=1, pageCompression=1, initialFontName=FONT)
    rows: list[list[object]] = [[head("代发银行"), head("代发文件"), head("户数"), head("金额（元）")]]
    rows += [[para(p.name), para(p.file_name), f"{p.count:,}", money(p.total)] for p in order.parts]
    rows.append([para("合计"), "", f"{order.count:,}", money(order.total)])
    story = [
        para("救助资金支付令（拨款通知）", TITLE),
        para(f"{order.county}　{order.month[:4]}年{order.month[5:]}月　发放批次第 {order.cycle_id} 号　"
             f"审批日期 {order.approved_on.isoformat()}", SUBTITLE),
        para("请以下代发银行按所附代发文件将救助资金划入各收款人账户，并于代发完成后退回失败明细（退票）。"),
        Spacer(1, 10),
        grid(rows, [220, 220, 80, 140], right_from=2, size=9, total_row=True),
        Spacer(1, 12),
        para(f"合计金额（大写）：人民币{order.total_in_capitals}"),
        para(f"合计金额（小写）：¥{money(order.total)}"),
        Spacer(1, 28),
        para("经办人：____________　　　审核：____________　　　审批：____________　　　（盖章）", BODY),
    ]
    doc.build(story, canvasmaker=numbered_canvas(title, order.approved_on))
    return out.getvalue()


def order_name(month: str, cycle_id: int) -> str:
    return f"payment-order-{month}-{cycle_id}.pdf"


def files_with_order(files: Sequence[PaymentFile], order: PaymentOrder) -> tuple[tuple[str, bytes], ...]:
    """What an export to several banks writes: (name, bytes) of each bank's file, then the payment order. The order
    is not in the export's recorded SHA-256 (that covers the bank files, docs/cycles.md); it is drawn from their
    figures, reproducibly."""
    return tuple((f.name, f.data) for f in files) + ((order_name(order.month, order.cycle_id),
                                                      payment_order_pdf(order)),)
