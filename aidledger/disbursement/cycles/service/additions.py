"""What a cycle adds to its households' lines beyond the month's rules, gathered before the run computes.

  re-issues     bank returns whose household's account has been corrected since (paid again)
  instalments   approved temporary grants' instalments due and not yet paid (grants.py)
  arrears       differences in months already paid (recompute.py), with the receivables and
                notes found with them
  set-offs      what households owe, when the policy allows withholding it (recovery.py)
Each household's additions go to whichever process computes its line (cycle_rows.line_row).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from aidledger.disbursement.arrears.service import differences
from aidledger.disbursement.entitlement.compute import MonthComputer
from aidledger.disbursement.entitlement.rows import Addition, Reissue
from aidledger.disbursement.payments.tables import BankReturn, Cycle, ReturnResolution
from aidledger.disbursement.recovery.service import owed_by_household
from aidledger.disbursement.registry.store import load_household
from aidledger.disbursement.rules.retro import ARREARS, Difference, arrears_component
from aidledger.disbursement.rules.set_off import SetOff
from aidledger.disbursement.temporary.service import DueInstalment, instalments_due
from aidledger.policy import EffectivePolicy


@dataclass
class Additions:
    by_household: dict[str, list] = field(default_factory=dict)  # Addition or SetOff
    reissues: dict[str, list[Reissue]] = field(default_factory=dict)
    instalments: list[DueInstalment] = field(default_factory=list)
    found: list[Difference] = field(default_factory=list)  # arrears, receivables and notes

    def add(self, household_id: str, addition) -> None:
        self.by_household.setdefault(household_id, []).append(addition)


def gather(session: Session, county: str, computer: MonthComputer, policy: EffectivePolicy,
           versions: dict[str, int], pool: tuple[int, list] = (0, [])) -> Additions:
    """Everything the month adds; `pool` (workers, shares) lets the months already paid be recomputed in parallel."""
    out = Additions(reissues=_reissues_due(session, county, computer))
    for household_id, due in out.reissues.items():
        for r in due:
            out.add(household_id, r.addition())
    out.instalments = instalments_due(session, county, computer.month)
    for due in out.instalments:
        out.add(due.household_id, Addition(due.component, "temporary",
                                           (("grant_id", due.grant_id), ("instalment", due.number))))
    out.found = differences(session, county, computer.month, policy, versions, pool)
    for change in out.found:
        if change.kind == ARREARS:
            out.add(change.household_id, Addition(arrears_component(change), "arrears"))
    recovery = computer.snap.recovery
    if recovery.is_defined("set_off_ratio") and recovery.set_off_ratio > 0:
        for household_id, owed in owed_by_household(session, county).items():
            out.add(household_id, SetOff(owed, recovery.set_off_ratio))
    return out


def _reissues_due(session: Session, county: str, computer: MonthComputer) -> dict[str, list[Reissue]]:
    """Unresolved returns whose household's account has been corrected since: paid again this month."""
    resolved = select(ReturnResolution.return_id)
    rows = session.execute(
        select(BankReturn, Cycle.month).join(Cycle, Cycle.id == BankReturn.cycle_id)
        .where(Cycle.jurisdiction_code == county, BankReturn.id.not_in(resolved))
        .order_by(BankReturn.id))
    due: dict[str, list[Reissue]] = {}
    for bank_return, cycle_month in rows:
        if cycle_month >= computer.month:
            continue
        account = load_household(session, bank_return.household_id).on(computer.day).household.bank_account
        if account != bank_return.bank_account:
            due.setdefault(bank_return.household_id, []).append(
                Reissue(bank_return.id, bank_return.amount, bank_return.returned_on, cycle_month))
    return due
