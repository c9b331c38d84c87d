"""`cycle approve`: a draft's sign-offs (审核、审批, maker-checker); the last one approves and posts it (approval.py).

The policy's `approval.cycle_signoffs` sets how many sign-offs a draft needs (one by default); each is by an
approver who neither ran the draft nor signed an earlier step of its round. A signer may send the draft back with a
reason instead, which starts a new round. Every step checks what the last one posts (the draft still stands, the
funds cover it), so that no one signs a draft that cannot be paid as it is. A page signs the draft it showed: it
sends the round and step it showed, and a draft run again, sent back or signed by someone else since is refused.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy.orm import Session

from aidledger.codes import SignoffAction, SignoffSubject
from aidledger.disbursement.matching.service import open_problem
from aidledger.disbursement.payments.tables import Cycle
from aidledger.disbursement.signoffs.rules import Signed, signer_problems
from aidledger.disbursement.signoffs.service import Chain, chain_of, cycle_round, record
from aidledger.errors import Refusal
from aidledger.ledger.service.posting import lock_books
from aidledger.policy.store import effective_policy
from aidledger.problems import Problem
from aidledger.users import require_role, require_whole

from .approval import post_approval, posting_of
from .steps import cycle_of, not_before_last_posting, transition


def cycle_chain(session: Session, cycle: Cycle, on: date) -> Chain:
    """The draft's chain as it stands: the sign-offs of its round and how many the policy in force on `on` asks."""
    of_steps = effective_policy(session, cycle.jurisdiction_code).on(on).approval.signoffs("cycle")
    return chain_of(session, SignoffSubject.CYCLE, cycle.id, cycle_round(session, cycle.id), of_steps)


def _as_seen(chain: Chain, cycle: Cycle, seen: tuple[int, int] | None) -> None:
    """A page signs the draft it showed: refused when the cycle was run again or sent back since (another round),
    or another approver signed meanwhile (another step)."""
    if seen is not None and seen != (chain.round, chain.next_step):
        raise Refusal(Problem(
            f"发放批次 {cycle.id} 自页面打开后已经改变（重新计算、被退回或已有他人签字）：请刷新页面，核对后再签 "
            f"(cycle {cycle.id} changed since the page was opened; reload)", "cycle.changed_since_shown",
            figures=(("round", str(chain.round)), ("step", str(chain.next_step)))))


def sign(session: Session, cycle_id: int, on: date, *, user: str | None, now: datetime,
         seen: tuple[int, int] | None = None) -> Signed:
    """One sign-off of a draft (审核, or 审批 at the last, which approves and posts it), by an approver who neither
    ran it nor signed an earlier step of its round. `seen`: the (round, step) the signer's page showed."""
    approver = require_role(session, user, "approver", action="approve payment cycles")
    if on > now.date():
        raise Refusal(Problem(f"an approval dated {on} is after today ({now.date()}): a cycle is approved on the day "
                              "it is signed", "cycle.approval_date", field="date",
                              figures=(("date", on.isoformat()), ("today", now.date().isoformat()))))
    lock_books(session)  # two approvers at once: the second waits, then sees the first's sign-off
    cycle = cycle_of(session, cycle_id, "draft")
    not_before_last_posting(session, cycle, on, "approval", now.date())
    county = cycle.jurisdiction_code
    chain = cycle_chain(session, cycle, on)
    _as_seen(chain, cycle, seen)
    problems = signer_problems(approver.name, cycle.run_by, chain.signers,
                               (f"第 {cycle_id} 号发放批次", f"cycle {cycle_id}"))
    if problems:
        raise Refusal(problems)
    require_whole(session, approver.name, county, what=f"cycle {cycle_id} of {county}")
    # 数据比对: no one signs a draft whose findings are not all resolved.
    unresolved = open_problem(session, cycle_id)
    if unresolved is not None:
        raise Refusal(unresolved)
    # Every step checks what the last one posts, so that no one signs a draft that cannot be paid as it stands.
    posting = posting_of(session, cycle, on)
    step, name = chain.next_step, chain.next_name
    record(session, chain, SignoffAction.SIGNED, approver, on, now)
    if step < chain.of_steps:
        return Signed(SignoffSubject.CYCLE, cycle_id, step, chain.of_steps, name)
    return Signed(SignoffSubject.CYCLE, cycle_id, step, chain.of_steps, name,
                  post_approval(session, cycle, on, posting, approver.name, now))


def approve(session: Session, cycle_id: int, on: date, *, user: str | None, now: datetime) -> int | None:
    """One sign-off (`cycle approve`); the approval entry's id when it was the last (with one sign-off, always)."""
    return sign(session, cycle_id, on, user=user, now=now).entry_seq


def send_back(session: Session, cycle_id: int, reason: str, on: date, *, user: str | None, now: datetime,
              seen: tuple[int, int] | None = None) -> None:
    """A signer sends the draft back to its preparer with a reason: it starts a new round (the sign-offs given so
    far were on a draft that is to change), and stays a draft to be run again or signed afresh."""
    approver = require_role(session, user, "approver", action="send payment cycles back")
    lock_books(session)
    cycle = cycle_of(session, cycle_id, "draft")
    county = cycle.jurisdiction_code
    require_whole(session, approver.name, county, what=f"cycle {cycle_id} of {county}")
    if on > now.date():
        raise Refusal(f"a sending back dated {on} is after today ({now.date()})")
    chain = cycle_chain(session, cycle, on)
    _as_seen(chain, cycle, seen)
    if not reason.strip():
        raise Refusal(Problem("退回须写明原因 (sending a cycle back needs a reason)", "cycle.send_back_reason",
                              field="reason"))
    problems = signer_problems(approver.name, cycle.run_by, chain.signers,
                               (f"第 {cycle_id} 号发放批次", f"cycle {cycle_id}"))
    if problems:
        raise Refusal(problems)
    record(session, chain, SignoffAction.SENT_BACK, approver, on, now, reason.strip())
    transition(session, cycle, "draft", on, None, f"sent back: {reason.strip()}", approver.name, now)
