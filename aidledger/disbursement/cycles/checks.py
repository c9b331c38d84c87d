"""`ledger verify`'s checks of the cycles: the sub-ledger (cycle lines, returns) agrees with the books.

For every county with cycles:
  - each cycle's lines add up to its recorded count and total;
  - each posted cycle's approval credited exactly its total to the payable, debited the
    price-subsidy, heating and temporary-assistance accounts with exactly its lines' parts,
    and credited the receivable account with exactly what its lines set off;
  - the payable balance equals the totals of approved, not yet exported cycles; bank
    clearing those of exported, not yet settled ones; returned payments the unresolved
    bank returns;
  - each cycle's status is the status of its last transition (a status changes only by one);
  - each posted cycle's lines (payee, account, id numbers, amounts, components) and held lines are those
    its approval entry committed to: the entry's reference carries their SHA-256 (`lines_digest`), and the
    entry is under the journal's hash chain, so lines rewritten behind the application's back are found.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import date
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from aidledger.codes import Area, Program, TrackStatus, values
from aidledger.disbursement.payments.accounts import ONE_OFF_ACCOUNTS
from aidledger.disbursement.payments.tables import (
    BankReturn,
    Cycle,
    CycleHeld,
    CycleLine,
    CycleTransition,
    ReturnResolution,
)
from aidledger.disbursement.recovery.service import RECEIVABLE
from aidledger.evidence.service import lines_digest as evidence_lines_digest
from aidledger.ledger.service.balances import balance
from aidledger.ledger.service.posting import load_entry
from aidledger.problems import Problem

ZERO = Decimal("0.00")
FAR_FUTURE = date(9999, 12, 31)
# A line's parts and the account (and side) the approval books each on.
_PARTS = {part: (account, "debit") for part, account in ONE_OFF_ACCOUNTS.items()} | {"set_off": (RECEIVABLE, "credit")}


DIGEST_MARK = "lines rows-sha256 "  # an approval's reference: "cycle N; lines rows-sha256 <digest>"
_DIGEST_MARK_1 = "lines sha256 "  # the first form (books approved before the evidence chain), still verified


def lines_digest(session: Session, cycle_id: int) -> str:
    """SHA-256 over the content hash of every line and held line of the cycle (evidence/rows.py: every column, by
    name), in household order: what its approval commits to (approval.py puts it in the entry's reference). The
    same row hashes make the cycle's seal when the approval commits, so the lines are read and hashed once; and
    `ledger verify` (a read) hashes them once for this check and the seal's (evidence/service.py keeps it)."""
    return evidence_lines_digest(session, cycle_id)


def _lines_digest_1(session: Session, cycle_id: int) -> str:
    """The first form: SHA-256 over each line's columns as text."""
    sha = hashlib.sha256()
    for table in (CycleLine, CycleHeld):
        columns = [c for c in table.__table__.columns if c.name != "cycle_id"]
        for row in session.execute(select(*columns).where(table.cycle_id == cycle_id)
                                   .order_by(table.household_id)):
            sha.update(json.dumps([table.__tablename__, *map(str, row)], ensure_ascii=False).encode())
            sha.update(b"\n")
    return sha.hexdigest()


def committed_digest(reference: str) -> tuple[str, Callable[[Session, int], str]] | None:
    """The lines' digest an approval entry's reference carries, and how it is computed (None for cycles approved
    before approvals carried one)."""
    for mark, digest_of in ((DIGEST_MARK, lines_digest), (_DIGEST_MARK_1, _lines_digest_1)):
        _, found, digest = reference.partition(mark)
        if found:
            return digest[:64], digest_of
    return None


def check_cycles(session: Session) -> list[Problem]:
    """`ledger verify`: each cycle's lines add up to it, its approval booked them, the control accounts agree."""
    problems: list[Problem] = []
    sums = {cid: (n, t or ZERO) for cid, n, t in session.execute(
        select(CycleLine.cycle_id, func.count(), func.sum(CycleLine.amount)).group_by(CycleLine.cycle_id))}
    parts = {cid: dict(zip(_PARTS, rest)) for cid, *rest in session.execute(
        select(CycleLine.cycle_id, *[func.sum(getattr(CycleLine, p)) for p in _PARTS]).group_by(CycleLine.cycle_id))}
    for cycle in session.scalars(select(Cycle).order_by(Cycle.id)):
        count, total = sums.get(cycle.id, (0, ZERO))
        if (count, total) != (cycle.count, cycle.total):
            problems.append(Problem(f"its lines hold {count} households and {total:.2f}, "
                                    f"but the cycle records {cycle.count} and {cycle.total:.2f}", "cycles.lines",
                                    entity=f"cycle {cycle.id}",
                                    figures=(("lines", f"{count}/{total:.2f}"),
                                             ("cycle", f"{cycle.count}/{cycle.total:.2f}"))))
        last = session.scalar(select(CycleTransition.status).where(CycleTransition.cycle_id == cycle.id)
                              .order_by(CycleTransition.id.desc()).limit(1))
        if last != cycle.status:
            problems.append(Problem(f"its status is {cycle.status}, but its last transition is {last}: a status "
                                    "changes only by a transition", "cycles.status", entity=f"cycle {cycle.id}",
                                    figures=(("status", cycle.status), ("last_transition", str(last)))))
        if cycle.status in ("approved", "exported", "settled"):
            seq = session.scalar(select(CycleTransition.entry_seq).where(
                CycleTransition.cycle_id == cycle.id, CycleTransition.status == "approved"))
            if seq is None:  # a status no transition made: found above; there is no approval to compare
                continue
            approval = load_entry(session, seq)
            lines = approval.lines
            committed = committed_digest(approval.reference)
            if committed is not None and committed[0] != committed[1](session, cycle.id):
                problems.append(Problem(f"its lines are not those its approval entry {seq} committed to (lines "
                                        f"SHA-256 {committed[0][:12]}…): a payee, an account or an amount was changed "
                                        "after approval", "cycles.lines_digest", entity=f"cycle {cycle.id}"))
            booked = sum((ln.credit for ln in lines if ln.account == "Liabilities:Payable:Beneficiaries"), ZERO)
            if booked != cycle.total:
                problems.append(Problem(f"approval entry {seq} credited {booked:.2f} to the payable, "
                                        f"not the cycle's {cycle.total:.2f}", "cycles.approval_entry",
                                        entity=f"cycle {cycle.id}",
                                        figures=(("booked", f"{booked:.2f}"), ("cycle", f"{cycle.total:.2f}"))))
            for part, (account, side) in _PARTS.items():
                want = parts.get(cycle.id, {}).get(part) or ZERO
                have = sum(((ln.debit if side == "debit" else ln.credit) for ln in lines if ln.account == account),
                           ZERO)
                if have != want:
                    problems.append(Problem(f"approval entry {seq} {side}s {account} with {have:.2f}, "
                                            f"but its lines' {part} parts add up to {want:.2f}", "cycles.line_parts",
                                            entity=f"cycle {cycle.id}",
                                            figures=(("booked", f"{have:.2f}"), ("lines", f"{want:.2f}"))))
    for county, in session.execute(select(Cycle.jurisdiction_code).distinct()):
        problems += _control_accounts(session, county)
    return problems + _line_codes(session)


# The codes a line carries, which the table leaves unchecked for speed (payments/tables.py, CycleLine).
_LINE_CODES = {"program": values(Program), "area": values(Area), "track_status": values(TrackStatus)}


def _line_codes(session: Session) -> list[Problem]:
    problems = []
    for column, allowed in _LINE_CODES.items():
        found = getattr(CycleLine, column)
        for cycle_id, code in session.execute(select(CycleLine.cycle_id, found).where(found.not_in(allowed))
                                              .distinct().order_by(CycleLine.cycle_id)):
            problems.append(Problem(f"a line's {column} is {code!r}, not one of {', '.join(allowed)}",
                                    "cycles.line_code", entity=f"cycle {cycle_id}", figures=((column, code),)))
    return problems


def _control_accounts(session: Session, county: str) -> list[Problem]:
    def status_total(status: str) -> Decimal:
        return session.scalar(select(func.sum(Cycle.total)).where(
            Cycle.jurisdiction_code == county, Cycle.status == status)) or ZERO

    unresolved = session.scalar(
        select(func.sum(BankReturn.amount)).join(Cycle, Cycle.id == BankReturn.cycle_id)
        .where(Cycle.jurisdiction_code == county,
               BankReturn.id.not_in(select(ReturnResolution.return_id)))) or ZERO
    expected = {
        "Liabilities:Payable:Beneficiaries": status_total("approved"),
        "Liabilities:BankClearing": status_total("exported"),
        "Liabilities:ReturnedPayments": unresolved,
    }
    problems = []
    for account, want in expected.items():
        have = balance(session, county, account, None, FAR_FUTURE)
        if have != want:
            problems.append(Problem(f"{county} {account} holds {have:.2f} but the cycles and returns account for "
                                    f"{want:.2f}", "cycles.control_account",
                                    figures=(("balance", f"{have:.2f}"), ("cycles", f"{want:.2f}"))))
    return problems
