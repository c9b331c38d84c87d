"""`policy load`: validate a batch of policy files, then store them and open the books they need.

Loading a policy is more than storing a file: a jurisdiction seen for the first time gets its
books (the standard chart), and a county's townships get their reserve accounts. That makes
it an action above both the policy store and the ledger, so it lives here and `policy/` stays
free of the ledger. All files are validated first (each alone, then the batch's chains); a
problem anywhere refuses the whole batch and stores nothing. Re-loading an identical file
changes nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.orm import Session

from aidledger.errors import Refusal
from aidledger.ledger.chart import reserve_account
from aidledger.ledger.service.accounts import add_jurisdiction, ensure_accounts
from aidledger.ledger.tables import Jurisdiction
from aidledger.policy.parse import parse_policies
from aidledger.policy.store import LEVEL_ORDER, LoadOutcome, chain_problems_of_batch, store_file
from aidledger.users import require_role


def load_policies(session: Session, files: Sequence[tuple[str, str]], *, user: str | None,
                  now: datetime) -> list[LoadOutcome]:
    """Validate all files, then store all of them (admin); refuse the whole batch on any problem."""
    acting = require_role(session, user, "admin", action="load policies").name
    documents = sorted(parse_policies(files), key=lambda d: LEVEL_ORDER[d.level])

    def in_books(code: str) -> tuple[str, str | None] | None:
        stored = session.get(Jurisdiction, code)
        return (stored.level, stored.parent_code) if stored is not None else None

    problems = chain_problems_of_batch(session, documents, in_books)
    if problems:
        raise Refusal(problems)
    outcomes = []
    for document in documents:
        jurisdiction = session.get(Jurisdiction, document.code)
        if jurisdiction is None:
            add_jurisdiction(session, document.code, document.name, document.level, document.parent, user=acting,
                             now=now)
        elif jurisdiction.name != document.name:
            jurisdiction.name = document.name
        outcome = store_file(session, document, user=acting, now=now)
        if outcome.changed and document.townships:
            ensure_accounts(session, document.code, [reserve_account(c, n) for c, n in document.townships.items()])
        outcomes.append(outcome)
    return outcomes
