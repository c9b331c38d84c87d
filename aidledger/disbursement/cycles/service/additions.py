"""What a cycle adds to its households' lines beyond the month's rules, gathered before the run computes.

  re-issues     bank returns whose household's account has been corrected since (paid again)
  instalments   approved temporary grants' instalments due and not yet paid (grants.py)
  arrears       differences in months already paid (recompute.py), with the receivables and
                notes found with them
  set-offs      what households owe, when the policy allows withholding it (recovery.py)
  releases      months held (a payee who died) since the household's last paid line, paid now as arrears
Each household's additions go to whichever process computes its line (cycle_rows.line_row).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from aidledger.disbursement.arrears.service import POSTED, differences
from aidledger.disbursement.entitlement.compute import MonthComputer
from aidledger.disbursement.entitlement.rows import RELEASED, Addition, Reissue
from aidledger.disbursement.matching.service import confirmed_holds
from aidledger.disbursement.payments.tables import BankReturn, Cycle, CycleHeld, CycleLine, ReturnResolution
from aidledger.disbursement.recovery.service import owed_by_household
from aidledger.disbursement.registry.store import load_household
from aidledger.disbursement.rules import Component
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
    for household_id, addition in _releases(session, county, computer.month):
        out.add(household_id, addition)
    out.found = differences(session, county, computer.month, policy, versions, pool)
    for change in out.found:
        if change.kind == ARREARS:
            out.add(change.household_id, Addition(arrears_component(change), "arrears"))
    recovery = computer.snap.recovery
    if recovery.is_defined("set_off_ratio") and recovery.set_off_ratio > 0:
        for household_id, owed in owed_by_household(session, county).items():
            out.add(household_id, SetOff(owed, recovery.set_off_ratio))
    return out


def _releases(session: Session, county: str, month: str) -> list[tuple[str, Addition]]:
    """The held months of posted cycles before `month` that no later paid line of the household has released: a
    line held again this month leaves them held (computed_rows), the first line paid releases them all."""
    held = session.execute(
        select(CycleHeld.household_id, CycleHeld.amount, CycleHeld.cycle_id, Cycle.month)
        .join(Cycle, Cycle.id == CycleHeld.cycle_id)
        .where(Cycle.jurisdiction_code == county, Cycle.status.in_(POSTED), Cycle.month < month)
        .order_by(CycleHeld.household_id, Cycle.month)).all()
    if not held:
        return []
    paid_since = {(h, m) for h, m in session.execute(
        select(CycleLine.household_id, Cycle.month).join(Cycle, Cycle.id == CycleLine.cycle_id)
        .where(Cycle.jurisdiction_code == county, Cycle.status.in_(POSTED), Cycle.month < month,
               CycleLine.household_id.in_({h for h, *_ in held})))}
    out = []
    on_findings = confirmed_holds(session)  # held on a confirmed cross-check finding: never released as arrears
    for household_id, amount, cycle_id, held_month in held:
        if any(h == household_id and held_month < m for h, m in paid_since) or (cycle_id, household_id) in on_findings:
            continue  # released by a later line already
        out.append((household_id, Addition(
            Component("arrears", amount, f"补发 {held_month} 因收款人去世暂缓发放的 {amount:.2f} 元 (收款人已变更)",
                      "held line", month=held_month), "arrears", ((RELEASED, cycle_id),))))
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
