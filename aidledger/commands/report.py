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
    """PDF reports: a cycle's payment register (发放花名册) and a jurisdiction's yearly audit pack."""


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
@pass_app
def register(app, cycle_id, out, created, township) -> None:
    """Write a cycle's payment register (发放花名册) as PDF.

    One row per household (序号, 户编号, 户主, 身份证号 and 银行账号 masked, 乡镇, 人数, 项目, 金额), subtotals per
    township and program, the total in figures and in capitals (大写), the cycle's state, who prepared and approved
    it, and the signature lines. A draft or cancelled cycle is marked so on every page.

    \b
    Example:
      aidledger report register 1 --out 2022-01-花名册.pdf
    """
    from aidledger.reports.pdf.base import money
    from aidledger.reports.pdf.register import write_register
    from aidledger.reports.service.register import register_data

    with app.database().read() as session:
        data = register_data(session, cycle_id, created, reader=app.user, township=township)
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
    from aidledger.ledger.service.views import journal_size
    from aidledger.reports.pdf.audit import write_audit
    from aidledger.reports.service.audit import audit_pack

    kept = [(click.format_filename(path, shorten=True), read_checkpoint(read_text(path), path))
            for path in checkpoints]
    with app.database().read() as session:
        _, lines = journal_size(session)
        with progress(lines, "verifying the ledger") as step:
            pack = audit_pack(session, jurisdiction, year, as_of, created, progress=step, checkpoints=kept)
    pages = _write(out, lambda stream: write_audit(pack, stream))
    verified = "ledger verified" if pack.verify.ok else f"LEDGER VERIFY FAILED ({len(pack.verify.problems)} problems)"
    click.echo(f"{out}: {jurisdiction} {year} as of {pack.as_of}, {verified}, head {pack.verify.head_hash}, "
               f"{pack.exception_count} exception(s), {pages} pages")
