"""`aidledger ledger`: the double-entry books."""

from __future__ import annotations

import io

import click

from aidledger.disbursement.checks import verify_books
from aidledger.errors import Refusal
from aidledger.files import staged
from aidledger.keys import key_folder, signing_key
from aidledger.ledger.checkpoints import read as read_checkpoint
from aidledger.ledger.entry_file import parse_entry_text
from aidledger.ledger.money import format_amount
from aidledger.ledger.service import views as service
from aidledger.ledger.service.accounts import chart
from aidledger.ledger.service.balances import trial_balance
from aidledger.ledger.service.checkpoints import extension_problems
from aidledger.ledger.service.checkpoints import take as take_checkpoint
from aidledger.ledger.service.export import write_beancount
from aidledger.render import emit_json, progress, table, trial_balance_shape

from . import DATE, pass_app, read_text


@click.group("ledger")
def group() -> None:
    """The double-entry books: post, reverse, balances, verify, export, close."""


@group.command("post")
@click.option("--file", "path", required=True, type=click.Path(dir_okay=False), help="The entry as JSON.")
@pass_app
def post(app, path: str) -> None:
    """Post a manual adjusting entry from a JSON file (preparer). Prints the entry id.

    The same idempotency_key with the same content returns the entry already posted.

    \b
    Example:
      aidledger --user li.ming ledger post --file adjust.json
    """
    draft = parse_entry_text(read_text(path), path)
    with app.database().write() as session:
        posted = service.post_manual(session, draft, user=app.user, now=app.now())
    if posted.existing:
        click.echo(f"entry {posted.seq} already posted with this idempotency key", err=True)
    click.echo(posted.seq)


@group.command("reverse")
@click.argument("entry_id", type=int)
@click.option("--reason", required=True)
@click.option("--date", "on", type=DATE, help="Date of the reversing entry (default: today).")
@pass_app
def reverse(app, entry_id: int, reason: str, on) -> None:
    """Post the entry that reverses ENTRY_ID (preparer). Prints the new entry id.

    \b
    Example:
      aidledger --user li.ming ledger reverse 17 --reason "科目记错"
    """
    with app.database().write() as session:
        posted = service.reverse(session, entry_id, on=on or app.today(), reason=reason, user=app.user, now=app.now())
    click.echo(posted.seq)


@group.command("show")
@click.argument("entry_id", type=int)
@click.option("--json", "as_json", is_flag=True)
@pass_app
def show(app, entry_id: int, as_json: bool) -> None:
    """Show one journal entry.

    \b
    Example:
      aidledger ledger show 17 --json
    """
    with app.database().read() as session:
        entry = service.entry_view(session, entry_id)
    data = {
        "id": entry.id, "date": entry.date, "jurisdiction": entry.jurisdiction,
        "description": entry.description, "reference": entry.reference, "kind": entry.kind,
        "idempotency_key": entry.idempotency_key, "reverses": entry.reverses, "user": entry.user,
        "hash": entry.hash,
        "lines": [{"account": ln.account, "fund": ln.fund, "debit": ln.debit, "credit": ln.credit}
                  for ln in entry.lines],
    }
    if as_json:
        emit_json(data)
        return
    click.echo(f"分录 {entry_id}  {data['date']}  {data['jurisdiction']}  {data['description']}  ({data['user']})")
    click.echo(table(["科目 account", "资金 fund", "借方 debit", "贷方 credit"],
                     [(ln.account, ln.fund, format_amount(ln.debit) if ln.debit else "",
                       format_amount(ln.credit) if ln.credit else "") for ln in entry.lines], right=(2, 3)))


@group.command("trial-balance")
@click.option("--jurisdiction", required=True)
@click.option("--as-of", "as_of", type=DATE, required=True)
@click.option("--json", "as_json", is_flag=True)
@pass_app
def trial_balance_(app, jurisdiction: str, as_of, as_json: bool) -> None:
    """Trial balance by account and fund at the end of a day.

    \b
    Example:
      aidledger ledger trial-balance --jurisdiction 230523 --as-of 2022-03-31 --json
    """
    with app.database().read() as session:
        tb = trial_balance(session, jurisdiction, as_of)
    if as_json:
        emit_json(trial_balance_shape(tb))
        return
    click.echo(f"试算平衡表 trial balance  {tb.jurisdiction}  截至 {tb.as_of}")
    rows = [(r.account, r.title, r.fund, _blank_zero(r.debit), _blank_zero(r.credit)) for r in tb.rows]
    rows.append(("合计 total", "", "", format_amount(tb.total_debit), format_amount(tb.total_credit)))
    click.echo(table(["科目 account", "名称", "资金 fund", "借方 debit", "贷方 credit"], rows, right=(3, 4)))


def _blank_zero(amount) -> str:
    return format_amount(amount) if amount else ""


@group.command("verify")
@click.option("--checkpoint", "checkpoints", multiple=True, type=click.Path(dir_okay=False, exists=True),
              help="A checkpoint file (ledger checkpoint) the books must extend; may be given several times.")
@pass_app
def verify_(app, checkpoints) -> None:
    """Recompute the hash chain and every stored balance; exit 0 only when every check passes.

    With --checkpoint, also prove the books extend each checkpoint an auditor kept: its entry is still there
    with its hash (a book cut short or rewritten since fails).

    \b
    Example:
      aidledger ledger verify --checkpoint 2022-12-31.checkpoint
    """
    kept = [(path, read_checkpoint(_read(path), path)) for path in checkpoints]
    with app.database().read() as session:
        _, lines = service.journal_size(session)
        with progress(lines, "verifying") as step:
            report = verify_books(session, progress=step)
        extended = [problem for path, checkpoint in kept
                    for problem in extension_problems(session, checkpoint, path)]
    if not report.ok or extended:
        first = f" (first failing entry: {report.first_failing_entry})" if report.first_failing_entry else ""
        raise Refusal([f"ledger verify failed{first}"] + report.problems + extended)
    for path, checkpoint in kept:
        click.echo(f"checkpoint {path}: the books extend it (entry {checkpoint.seq}, taken {checkpoint.at})")
    click.echo(f"ledger verified: {report.entries} entries, {report.lines} lines, head {report.head_hash}")
    click.echo(f"evidence verified: {report.evidence_seq} seals, head {report.evidence_mac}")


@group.command("checkpoint")
@click.option("--out", required=True, type=click.Path(dir_okay=False), help="The checkpoint file to write.")
@pass_app
def checkpoint(app, out: str) -> None:
    """Write the journal's head (entry, hash, time) signed with the books' Ed25519 key, for an auditor to keep.

    The key lives outside the database (AIDLEDGER_KEYS, or a folder beside a SQLite file) and is made on first
    use. Later, `ledger verify --checkpoint FILE` proves the books still extend it.

    \b
    Example:
      aidledger ledger checkpoint --out 2022-12-31.checkpoint
    """
    database = app.database()
    key = signing_key(key_folder(database.url))
    with database.read() as session, staged(out) as file:
        taken = take_checkpoint(session, app.now(), key)
        file.write(taken.as_text().encode("utf-8"))
        file.publish()
    click.echo(f"checkpoint of entry {taken.seq} (hash {taken.hash[:16]}…) and seal {taken.evidence_seq} "
               f"(link {taken.evidence_mac[:16]}…) written to {out}")


def _read(path: str) -> str:
    try:
        with open(path, encoding="utf-8") as handle:
            return handle.read()
    except (OSError, UnicodeDecodeError) as exc:
        raise Refusal(f"{path}: cannot be read: {getattr(exc, 'strerror', None) or exc}") from None


@group.command("export")
@click.option("--format", "fmt", type=click.Choice(["beancount"]), required=True)
@click.option("--out", required=True, type=click.Path(dir_okay=False))
@pass_app
def export(app, fmt: str, out: str) -> None:
    """Write the whole journal for another tool (beancount: check it with bean-check).

    \b
    Example:
      aidledger ledger export --format beancount --out books.beancount
    """
    with app.database().read() as session, staged(out) as file:
        entries, _ = service.journal_size(session)
        handle = io.TextIOWrapper(file.stream, encoding="utf-8", newline="\n", write_through=True)
        with progress(entries, "exporting") as step:
            count = write_beancount(session, handle, progress=step)
        handle.flush()
        handle.detach()
        file.publish()
    click.echo(f"{count} transactions written to {out}")


@group.command("close")
@click.option("--jurisdiction", required=True)
@click.option("--month", required=True, help="YYYY-MM; every earlier month is closed too.")
@pass_app
def close(app, jurisdiction: str, month: str) -> None:
    """Close a month (approver): no entry may then be dated in it or earlier.

    \b
    Example:
      aidledger --user wang.fang ledger close --jurisdiction 230523 --month 2022-01
    """
    with app.database().write() as session:
        service.close_month(session, jurisdiction, month, user=app.user, now=app.now())
    click.echo(f"{jurisdiction} closed through {month}")


@group.command("accounts")
@click.option("--jurisdiction", required=True)
@click.option("--json", "as_json", is_flag=True)
@pass_app
def accounts(app, jurisdiction: str, as_json: bool) -> None:
    """List a jurisdiction's chart of accounts (the names `ledger post` uses).

    \b
    Example:
      aidledger ledger accounts --jurisdiction 230523
    """
    with app.database().read() as session:
        rows = [(a.name, a.title, a.type, a.classification or "", a.closed_on or "")
                for a in chart(session, jurisdiction)]
    if as_json:
        emit_json({"jurisdiction": jurisdiction, "accounts": [
            {"account": n, "title": t, "type": ty, "classification": c or None, "closed_on": d or None}
            for n, t, ty, c, d in rows]})
        return
    click.echo(table(["科目 account", "名称", "类型 type", "功能分类 code", "关闭 closed"], rows))


@group.command("close-account")
@click.argument("account")
@click.option("--jurisdiction", required=True)
@click.option("--date", "on", type=DATE, required=True, help="No line may post to it on or after this date.")
@pass_app
def close_account(app, account: str, jurisdiction: str, on) -> None:
    """Close an account of a jurisdiction's chart (admin).

    \b
    Example:
      aidledger --user admin ledger close-account Expenses:Administration --jurisdiction 230523 --date 2023-01-01
    """
    with app.database().write() as session:
        service.close_account(session, jurisdiction, account, on, user=app.user)
    click.echo(f"account {account} of {jurisdiction} closed from {on}")
