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
from aidledger.ledger.service.verify import Check, Size, VerifyReport, verify

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


def check_sizes(session: Session) -> list[Size]:
    """The work each of CHECKS will do, in journal lines' worth (verify's progress moves by it): as measured,
    rehashing a line of a cycle against its approval's digest costs about six journal lines verified, a sealed
    record about five; the other checks read a few rows each (verify still moves the bar when each ends)."""
    records, cycle_lines = session.connection().exec_driver_sql(
        "SELECT (SELECT coalesce(sum(count), 0) FROM evidence), (SELECT count(*) FROM cycle_lines)").one()
    sizes: dict[Check, Size] = {check_cycles: Size(cycle_lines, 6), check_evidence: Size(records, 5)}
    return [sizes.get(check, Size(0, 0)) for check in CHECKS]


def verify_books(session: Session, progress: Callable[[int], None] | None = None,
                 shown: int | None = None) -> VerifyReport:
    """`ledger verify`: the journal's checks and every check above. `progress` is told of all of it, in `shown`
    units, by default the journal's lines (ledger/service/verify.py)."""
    return verify(session, progress, CHECKS, check_sizes, shown)
