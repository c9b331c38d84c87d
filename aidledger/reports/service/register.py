"""Reading a cycle's payment register from the books: the cycle, its lines, its history, the townships.

The lines are read as plain rows in one ordered query (no ORM objects: a county may pay a
million households); register_data.py turns them into the register.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from aidledger.auth.service import authenticates
from aidledger.codes import SignoffSubject
from aidledger.disbursement.cycles.service.show import reader_township
from aidledger.disbursement.matching.service import notes_by_household
from aidledger.disbursement.payments.tables import Cycle, CycleLine, CycleTransition
from aidledger.disbursement.signoffs.rules import step_name
from aidledger.disbursement.signoffs.service import chain_of, cycle_round
from aidledger.errors import Refusal
from aidledger.evidence.kinds import CYCLE
from aidledger.evidence.tables import EvidenceHead, Seal
from aidledger.ledger.service.accounts import require_jurisdiction
from aidledger.orm import existing
from aidledger.policy.store import townships_of
from aidledger.reports.register_data import CycleHeader, RegisterData, Signoff, StoredLine, build_register
from aidledger.users import require_whole, require_within, standing


def cycle_header(session: Session, cycle_id: int) -> CycleHeader:
    cycle = existing(session, Cycle, cycle_id, "cycle")
    place = require_jurisdiction(session, cycle.jurisdiction_code)
    last: dict[str, CycleTransition] = {}
    for transition in session.scalars(select(CycleTransition).where(CycleTransition.cycle_id == cycle_id)
                                      .order_by(CycleTransition.id)):
        # 制表 is who ran the cycle: a sending back also returns it to draft, but under the approver's name.
        key = "run" if transition.status == "draft" and transition.reason in ("run", "re-run") else transition.status
        last[key] = transition
    prepared, approved = last.get("run") or last.get("draft"), last.get("approved")
    return CycleHeader(
        cycle_id=cycle.id, jurisdiction=cycle.jurisdiction_code, jurisdiction_name=place.name, month=cycle.month,
        status=cycle.status, count=cycle.count, total=cycle.total,
        prepared=Signoff("制表", signed_name(session, prepared.user_name), prepared.on) if prepared else None,
        approved=Signoff("审批", signed_name(session, approved.user_name), approved.on) if approved else None,
        signers=_signers(session, cycle, approved), approval_entry=approved.entry_seq if approved else None,
        seal=_cycle_seal(session, cycle_id),
        evidence_head=_evidence_head(session), authenticated=authenticates(session),
    )


def _signers(session: Session, cycle: Cycle, approved: CycleTransition | None) -> tuple[Signoff, ...]:
    """The current round's sign-offs (审核 …, 审批) with the names they were given under; a cycle approved before
    the chain was recorded (a book from before migration 0015) has its approval alone."""
    chain = chain_of(session, SignoffSubject.CYCLE, cycle.id, cycle_round(session, cycle.id), 0)
    given = tuple(Signoff(step_name(row.step, row.of_steps), row.display_name or row.user_name, row.on)
                  for row in chain.signed)
    if not given and approved is not None and cycle.status != "draft":
        return (Signoff("审批", signed_name(session, approved.user_name), approved.on),)
    return given


def signed_name(session: Session, user: str) -> str:
    """The name a register prints for who ran or approved the cycle: the user's display name (李明), else the
    user name."""
    found = standing(session, user)
    return found.display_name if found is not None else user


def _cycle_seal(session: Session, cycle_id: int) -> tuple[int, str] | None:
    row = session.execute(select(Seal.seq, Seal.mac).where(Seal.kind == CYCLE, Seal.subject == str(cycle_id))).first()
    return (row.seq, row.mac) if row else None


def _evidence_head(session: Session) -> tuple[int, str]:
    head = session.get(EvidenceHead, 1)
    return (head.seq, head.mac) if head else (0, "")


def register_data(session: Session, cycle_id: int, created: date | None = None, *, reader: str | None = None,
                  township: str | None = None) -> RegisterData:
    """The register of a cycle, whatever its status (a draft or cancelled one says so): the county's, or one
    township's (its lines, under a header whose totals and title are the township's). A reader whose scope is a
    township of the county gets that township's, named or not; a reader outside the county is refused."""
    header = cycle_header(session, cycle_id)
    county = header.jurisdiction
    own = reader_township(session, reader, county, f"cycle {cycle_id}")
    names = townships_of(session, county)
    if township is not None:
        if township not in names:
            raise Refusal(f"{township} is not a township of county {county} (乡镇代码不属于本县)")
        require_within(session, reader, township, what=f"township {township}")
    wanted = township or own
    lines = stored_lines(session, cycle_id, wanted)
    if wanted is not None:
        header = replace(header, jurisdiction=wanted, jurisdiction_name=f"{header.jurisdiction_name}{names[wanted]}",
                         count=len(lines), total=sum((line.amount for line in lines), Decimal("0.00")))
    return build_register(header, lines, names, created, notes_by_household(session, cycle_id))


def summary_data(session: Session, cycle_id: int, created: date | None = None, *,
                 reader: str | None = None) -> RegisterData:
    """The county's register as its summary (汇总表) prints it: the county signs for every township, so a reader
    whose scope is one township is refused (their own township's register is theirs)."""
    header = cycle_header(session, cycle_id)
    require_whole(session, reader, header.jurisdiction, what=f"the summary of cycle {cycle_id} (县级汇总表)")
    return register_data(session, cycle_id, created, reader=reader)


_LINE_COLUMNS = (CycleLine.household_id, CycleLine.head_name, CycleLine.head_id_number, CycleLine.township,
                 CycleLine.area, CycleLine.members, CycleLine.program, CycleLine.payee_name, CycleLine.bank_account,
                 CycleLine.amount, CycleLine.components, CycleLine.track_status, CycleLine.exit_month)


def stored_lines(session: Session, cycle_id: int, township: str | None) -> list[StoredLine]:
    """The cycle's lines (one township's, or all) in the bank file's order, each with its 序号 there: the county's
    lines by township and household, numbered from 1 (cycles/service/actions.py export_bank)."""
    # Through the connection, not the ORM session: plain rows, a third cheaper for a large cycle.
    query = select(*_LINE_COLUMNS).where(CycleLine.cycle_id == cycle_id).order_by(CycleLine.township,
                                                                                 CycleLine.household_id)
    before = 0
    if township is not None:
        query = query.where(CycleLine.township == township)
        before = session.scalar(select(func.count()).select_from(CycleLine).where(
            CycleLine.cycle_id == cycle_id, CycleLine.township < township)) or 0
    return [StoredLine(seq, *row) for seq, row in enumerate(session.connection().execute(query), start=before + 1)]
