"""`aidledger report`: PDF reports built from the books (发放花名册, the yearly audit pack)."""

from __future__ import annotations

import click

from aidledger.errors import Refusal
from aidledger.files import staged
from aidledger.render import progress

from . import DATE, pass_app, read_text

# The reports (and ReportLab) are imported when a report is asked for: every other command starts faster.


@click.group("report")
def group() -> None:
    """PDF reports: a cycle's payment register (发放花名册) and county summary (汇总表), a jurisdiction's yearly audit
    pack, and a county's monthly statistics (民政统计月报, with its CSV)."""


def _write(out: str, draw) -> int:
    """Draw into a temporary file beside `out`, then move it into place: never half a PDF at `out` (files.py)."""
    with staged(out) as file:
        try:
            pages = draw(file.stream)
        except OSError as exc:
            raise Refusal(f"{out}: cannot be written: {exc.strerror or exc}") from None
        file.publish()
    return pages


@group.command("register")
@click.argument("cycle_id", type=int)
@click.option("--out", required=True, type=click.Path(dir_okay=False), help="The PDF to write.")
@click.option("--created", type=DATE, help="The date the PDF carries (default: the cycle's approval date, else the "
                                           "date it was run), so the same cycle always gives the same bytes.")
@click.option("--township", help="One township's register (9-digit code); a township's clerk gets their own.")
@click.option("--summary", is_flag=True, help="The county's summary (发放汇总表) by township and programme instead.")
@pass_app
def register(app, cycle_id, out, created, township, summary) -> None:
    """Write a cycle's payment register (发放花名册), or its county summary (汇总表), as PDF.

    One row per household in the bank file's order and with its 序号 there: 户主, 身份证号 and 账号 masked,
    城乡, 类别 (集中/分散, 渐退), 人数, the amount split into 基本, 加发, 临时救助, 补发/其他, 扣减 and 实发, the
    收款人, and a 备注 naming each unusual part (渐退第3个月, 补发2022-03退票, 临时救助分期2/3, 追回抵扣);
    each township's 合计, 本页小计 and 累计 on every page, the total in figures and in capitals (大写), the
    sign-off chain, the signature lines and the seal box. A draft or cancelled cycle is marked so across every
    page and has no place to sign.
    --summary writes the county's 汇总表 instead: each township's programmes and 合计, the county's 总计.

    \b
    Example:
      aidledger report register 1 --township 230523100 --out 2022-01-宝清镇-花名册.pdf
      aidledger report register 1 --summary --out 2022-01-汇总表.pdf
    """
    from aidledger.reports.pdf.base import money
    from aidledger.reports.pdf.register import write_register
    from aidledger.reports.pdf.summary import write_summary
    from aidledger.reports.service.register import register_data, summary_data

    if summary and township:
        raise Refusal("give --summary or --township, not both: the summary is the county's (汇总表为全县)")
    with app.database().read() as session:
        if summary:
            data = summary_data(session, cycle_id, created, reader=app.user)
        else:
            data = register_data(session, cycle_id, created, reader=app.user, township=township)
    if summary:
        pages = _write(out, lambda stream: write_summary(data, stream))
    else:
        with progress(data.count, f"register {data.header.month}") as step:
            pages = _write(out, lambda stream: write_register(data, stream, progress=step))
    click.echo(f"{out}: cycle {cycle_id} {data.header.month} ({data.status_name}), {data.count} households, "
               f"{money(data.total)} ({data.total_capitals}), {pages} pages")


@group.command("audit")
@click.option("--jurisdiction", required=True, help="Jurisdiction code (a county for cycles and reserves).")
@click.option("--year", required=True, type=click.IntRange(1900, 9999))
@click.option("--out", required=True, type=click.Path(dir_okay=False), help="The PDF to write.")
@click.option("--as-of", "as_of", type=DATE, help="The day the balances and the overdue checks are taken "
                                                  "(default: 31 December of the year).")
@click.option("--created", type=DATE, help="The date the PDF carries (default: the as-of date).")
@click.option("--checkpoint", "checkpoints", multiple=True, type=click.Path(dir_okay=False, exists=True),
              help="A checkpoint (ledger checkpoint) the books must extend; the cover names it. May be repeated.")
@pass_app
def audit(app, jurisdiction, year, out, as_of, created, checkpoints) -> None:
    """Write a jurisdiction's audit pack for a year as PDF.

    A cover with the result of `ledger verify` and the chain's head hash; the fund statement; budget execution with
    the purchased-services cap and a chart; monthly payments by program with a chart; the township reserves; the
    trial balance; and the exceptions: payments after a death or termination, one id number paid twice, amounts
    that differ from the rules, reserve cases overdue for documentation, bank returns open after 30 days, cap
    overrides (none can exist: refusals write nothing), open receivables, and any verify failure.

    \b
    Example:
      aidledger report audit --jurisdiction 230523 --year 2022 --out 230523-2022-audit.pdf \\
          --checkpoint 2022-12-31.checkpoint
    """
    from aidledger.ledger.checkpoints import read as read_checkpoint
    from aidledger.reports.pdf.audit import audit_story, drawing_steps, write_audit
    from aidledger.reports.service.audit import audit_pack, audit_size

    kept = [(click.format_filename(path, shorten=True), read_checkpoint(read_text(path), path))
            for path in checkpoints]
    with app.database().read() as session:
        work = audit_size(session, jurisdiction, year, as_of)
        with progress(work, "verifying the ledger, reading and recomputing the year") as step:
            pack = audit_pack(session, jurisdiction, year, as_of, created, progress=step, checkpoints=kept)
    story = audit_story(pack)
    with progress(drawing_steps(story), "drawing the audit pack") as step:
        pages = _write(out, lambda stream: write_audit(pack, stream, progress=step, story=story))
    verified = "ledger verified" if pack.verify.ok else f"LEDGER VERIFY FAILED ({len(pack.verify.problems)} problems)"
    click.echo(f"{out}: {jurisdiction} {year} as of {pack.as_of}, {verified}, head {pack.verify.head_hash}, "
               f"{pack.exception_count} exception(s), {pages} pages")


@group.command("monthly")
@click.option("--jurisdiction", required=True, help="County code.")
@click.option("--month", required=True, metavar="YYYY-MM", help="The month reported (a malformed one is refused).")
@click.option("--out", required=True, type=click.Path(dir_okay=False),
              help="The PDF to write; the CSV is written beside it (same name, .csv).")
@click.option("--created", type=DATE, help="The date the report carries (default: the month's last day), so the "
                                           "same books always give the same bytes.")
@pass_app
def monthly(app, jurisdiction, month, out, created) -> None:
    """Write a county's monthly statistics report (民政统计月报) as PDF, and the same figures as CSV beside it.

    Households and persons the month's posted cycle paid, by programme (低保, 特困, 低收入) and area (城市, 农村),
    by age group on the month's last day (老年人 60+, 成年人, 未成年人 <18) and disability (残疾人, 重度 一、二级);
    the funds paid this month and this year to date, split into 保障金, 补发, 退票重发, 临时救助, 价格临时补贴,
    取暖救助 and 追回抵扣, with the average per person; and the standards the month was paid under. The CSV is
    UTF-8 with a BOM (Excel on Chinese Windows opens it as such), one figure a row.

    \b
    Example:
      aidledger report monthly --jurisdiction 230523 --month 2022-02 --out 230523-2022-02-月报.pdf
    """
    from aidledger.reports.pdf.base import money
    from aidledger.reports.pdf.monthly import write_monthly_files
    from aidledger.reports.service.monthly import monthly_report, monthly_size

    with app.database().read() as session:
        with progress(monthly_size(session, jurisdiction, month), f"monthly report {month}") as step:
            report = monthly_report(session, jurisdiction, month, created, reader=app.user, progress=step)
    pages, csv_out = write_monthly_files(report, out)
    total = report.total
    click.echo(f"{out}: {jurisdiction} {month} (cycle {report.cycle_id}), {total.counts.households} households, "
               f"{total.counts.persons} persons, {money(total.month.paid)} paid this month, "
               f"{money(total.year.paid)} this year, {pages} pages; {click.format_filename(csv_out)}")
