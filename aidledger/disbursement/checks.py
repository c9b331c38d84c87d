"""Every check `ledger verify` runs beyond the journal's own, in one list.

As beancount lists its validations: whoever verifies the books (the command, the audit pack,
the demo, the web application) runs the same checks, named here, in this order. Each takes
the session and returns its problems; the journal's own checks (hash chain, digests, entry
rules, running balances) run first, in `ledger/verify.py`.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session

from aidledger.budget.service.reserves import check_cases
from aidledger.evidence.checks import check_evidence
from aidledger.ledger.service.verify import Check, VerifyReport, verify

from .cycles.checks import check_cycles
from .opening.service import check_openings
from .recovery.service import check_receivables

CHECKS: tuple[Check, ...] = (
    check_cases,  # each emergency case took from its reserve exactly its amount
    check_cycles,  # cycle lines, approvals and returns against the control accounts
    check_receivables,  # the receivable account against the receivables outstanding
    check_openings,  # each opening's fund and reserve rows against the entries they posted
    check_evidence,  # every record against its seal, the seals' keyed links, the protecting triggers
)


def verify_books(session: Session, progress: Callable[[int], None] | None = None) -> VerifyReport:
    """`ledger verify`: the journal's checks and every check above."""
    return verify(session, progress, CHECKS)
