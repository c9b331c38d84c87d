"""Township reserves (乡镇临时救助备用金): advance, emergency payments, documentation, replenishment.

In the county's books an advance moves money from the treasury to the township's reserve
account; an emergency payment (先行救助) is a temporary-assistance expense charged to the
funds the reserve holds; replenishment tops the reserve up by the documented payments.
Every action locks the books before reading a balance, so concurrent payments can never
take a reserve below zero.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from aidledger.auth.scope import township_of
from aidledger.budget.rules import charge_in_order, emergency_case_problems
from aidledger.budget.tables import ReplenishedCase, ReserveCase, ReserveDocumentation, ReserveReplenishment
from aidledger.errors import Refusal
from aidledger.idcard import id_number_problem, normalize_id_number
from aidledger.ledger.chart import reserve_account_name
from aidledger.ledger.entries import EntryDraft, Line
from aidledger.ledger.service.posting import lock_books, post_entry
from aidledger.ledger.tables import Account, JournalEntry, JournalLine
from aidledger.orm import existing
from aidledger.policy.store import effective_policy
from aidledger.policy.tables import Township
from aidledger.problems import Problem
from aidledger.users import personal_numbers, require_role, require_whole, require_within, scope_of

from .figures import reserve_range_from, spendable_from

ZERO = Decimal("0.00")


def _township(session: Session, code: str) -> Township:
    township = session.get(Township, code)
    if township is None:
        raise Refusal(f"township {code} is not listed in any loaded county policy")
    return township


def _begin(session: Session, user: str | None, action: str, township_code: str, *, county_work: bool) -> Township:
    """The acting preparer and the township. Advancing and replenishing a reserve is the county's treasury's work;
    paying and documenting a case may be the township's own clerk's."""
    require_role(session, user, "preparer", action=action)
    lock_books(session)
    township = _township(session, township_code)
    if county_work:
        require_whole(session, user, township.county_code, what=f"to {action} of {township_code}")
    else:
        require_whole(session, user, township_code, what=f"to {action} of {township_code}")
    return township


def advance(session: Session, township_code: str, amount: Decimal, on: date, *, user, now: datetime) -> int:
    """The county advances money to a township's reserve, up to the reserve's set amount."""
    township = _begin(session, user, "advance reserves", township_code, county_work=True)
    snap = effective_policy(session, township.county_code).on(on)
    _, highest = reserve_range_from(session, township.county_code, township_code, on)
    problems = []
    if amount <= 0:
        problems.append(f"an advance must be positive, got {amount:.2f}")
    elif highest + amount > snap.reserve.amount:
        problems.append(
            f"reserve.amount: {township.name} ({township_code}) holds up to {highest:.2f} from {on} on; advancing "
            f"{amount:.2f} would bring it to {highest + amount:.2f}, above the set amount {snap.reserve.amount:.2f}"
        )
    if problems:
        raise Refusal(problems)
    return _move_from_treasury(session, township, amount, on, snap.budget.funding_order, "reserve_advance",
                               f"拨付{township.name}临时救助备用金", user, now)


def _move_from_treasury(session, township, amount, on, order, kind, description, user, now) -> int:
    charges, problems = charge_in_order(amount, spendable_from(session, township.county_code, on), order,
                                        f"{description}")
    if problems:
        raise Refusal(problems)
    account = reserve_account_name(township.code)
    lines = [Line(account, fund, debit=part) for fund, part in charges]
    lines += [Line("Assets:Treasury", fund, credit=part) for fund, part in charges]
    posted = post_entry(session, EntryDraft(
        date=on, jurisdiction=township.county_code, kind=kind, reference=township.code,
        description=description, lines=tuple(lines)), user=user, now=now)
    return posted.seq


def pay(session: Session, township_code: str, id_number: str, name: str, amount: Decimal, on: date, reason: str,
        *, user, now: datetime) -> int:
    """先行救助: an emergency payment from the reserve; returns the case id."""
    township = _begin(session, user, "pay emergency cases", township_code, county_work=False)
    snap = effective_policy(session, township.county_code).on(on)
    # A back-dated payment must fit what the reserve holds on every later day too.
    by_fund, _ = reserve_range_from(session, township.county_code, township_code, on)
    balance = sum((v for v in by_fund.values() if v > 0), ZERO)
    problems = emergency_case_problems(amount, snap.temporary.emergency_case_limit_ratio,
                                       snap.dibao.standard_urban, balance)
    person = normalize_id_number(id_number)
    wrong_id = id_number_problem(person, on)
    if wrong_id:
        problems.append(f"id number {id_number!r}: {wrong_id}")
    if not name.strip():
        problems.append(Problem("an emergency case names the person helped", "reserve.case_name", field="name"))
    if not reason.strip():
        problems.append(Problem("an emergency case gives its reason", "reserve.case_reason", field="reason"))
    if problems:
        raise Refusal(problems)
    charges, shortfall = charge_in_order(amount, by_fund, snap.budget.funding_order + tuple(
        f for f in by_fund if f not in snap.budget.funding_order), f"emergency payment from {township.name}")
    if shortfall:
        raise Refusal(shortfall)
    account = reserve_account_name(township_code)
    lines = [Line("Expenses:Temporary", fund, debit=part) for fund, part in charges]
    lines += [Line(account, fund, credit=part) for fund, part in charges]
    # The journal names the case by its number, never the person helped (the case row holds who, for the
    # readers who may see it): under the books' lock, the next case number is the one this case gets.
    case_id = (session.scalar(select(func.max(ReserveCase.id))) or 0) + 1
    posted = post_entry(session, EntryDraft(
        date=on, jurisdiction=township.county_code, kind="reserve_payment", reference=township_code,
        description=f"{township.name}备用金先行救助 第{case_id}号个案", lines=tuple(lines)),
        user=user, now=now)
    case = ReserveCase(
        id=case_id, county_code=township.county_code, township=township_code, id_number=person, name=name.strip(),
        amount=amount, paid_on=on, deadline=on + timedelta(days=snap.temporary.documentation_days),
        reason=reason.strip(), entry_seq=posted.seq, recorded_by=user, recorded_at=now,
    )
    session.add(case)
    session.flush()
    return case.id


def document(session: Session, case_id: int, on: date, *, user, now: datetime) -> ReserveDocumentation:
    """补充说明: document an emergency case; after its deadline it is accepted but marked late."""
    require_role(session, user, "preparer", action="document emergency cases")
    lock_books(session)
    case = existing(session, ReserveCase, case_id, "emergency case")
    require_whole(session, user, case.township, what=f"emergency case {case_id} of {case.township}")
    done = session.get(ReserveDocumentation, case_id)
    if done is not None:
        raise Refusal(f"emergency case {case_id} was already documented on {done.documented_on}")
    if on < case.paid_on:
        raise Refusal(f"emergency case {case_id} was paid on {case.paid_on}; it cannot be documented on {on}")
    record = ReserveDocumentation(case_id=case_id, documented_on=on, late=on > case.deadline,
                                  recorded_by=user, recorded_at=now)
    session.add(record)
    session.flush()
    return record


def replenish(session: Session, township_code: str, on: date, *, user, now: datetime) -> tuple[int, Decimal, int]:
    """Top the reserve up by the documented payments not yet replenished: (entry, amount, cases)."""
    township = _begin(session, user, "replenish reserves", township_code, county_work=True)
    cases = list(session.scalars(
        select(ReserveCase)
        .join(ReserveDocumentation, ReserveDocumentation.case_id == ReserveCase.id)
        .outerjoin(ReplenishedCase, ReplenishedCase.case_id == ReserveCase.id)
        .where(ReserveCase.township == township_code, ReplenishedCase.case_id.is_(None),
               ReserveDocumentation.documented_on <= on)
        .order_by(ReserveCase.id)
    ))
    if not cases:
        raise Refusal(f"{township.name} ({township_code}) has no documented payment to replenish on {on}")
    amount = sum((c.amount for c in cases), ZERO)
    order = effective_policy(session, township.county_code).on(on).budget.funding_order
    seq = _move_from_treasury(session, township, amount, on, order, "reserve_replenish",
                              f"补充{township.name}临时救助备用金 ({len(cases)}笔已补充说明的先行救助)", user, now)
    record = ReserveReplenishment(township=township_code, replenished_on=on, amount=amount, entry_seq=seq,
                                  recorded_by=user, recorded_at=now)
    session.add(record)
    session.flush()
    session.add_all([ReplenishedCase(case_id=c.id, replenishment_id=record.id) for c in cases])
    session.flush()
    return seq, amount, len(cases)


@dataclass(frozen=True)
class TownshipReserve:
    township: str
    name: str
    carried: Decimal  # the balance carried over from the old books at the county's first month
    advanced: Decimal
    paid: Decimal
    replenished: Decimal
    undocumented: int
    overdue: int

    @property
    def balance(self) -> Decimal:
        return self.carried + self.advanced - self.paid + self.replenished


def status(session: Session, county: str, as_of: date) -> list[TownshipReserve]:
    """Each township's reserve figures, from the books, and its case counts."""
    effective_policy(session, county)  # refuses a county without a policy
    by_kind = {
        (account, kind): (debit, credit)
        for account, kind, debit, credit in session.execute(
            select(Account.name, JournalEntry.kind, func.sum(JournalLine.debit), func.sum(JournalLine.credit))
            .join(JournalLine, JournalLine.entry_seq == JournalEntry.seq)
            .join(Account, Account.id == JournalLine.account_id)
            .where(JournalEntry.jurisdiction_code == county, JournalEntry.date <= as_of,
                   Account.name.like("Assets:Reserve:%"))
            .group_by(Account.name, JournalEntry.kind)
        )
    }
    documented = select(ReserveDocumentation.case_id).where(ReserveDocumentation.documented_on <= as_of)
    open_cases = dict(session.execute(
        select(ReserveCase.township, func.count()).where(
            ReserveCase.county_code == county, ReserveCase.paid_on <= as_of, ReserveCase.id.not_in(documented))
        .group_by(ReserveCase.township)).all())
    overdue = dict(session.execute(
        select(ReserveCase.township, func.count()).where(
            ReserveCase.county_code == county, ReserveCase.deadline < as_of, ReserveCase.id.not_in(documented))
        .group_by(ReserveCase.township)).all())
    result = []
    townships = session.execute(select(Township.code, Township.name).where(Township.county_code == county)
                                .order_by(Township.code))
    for code, name in townships:
        def side(kind: str, index: int, account: str = reserve_account_name(code)) -> Decimal:
            return by_kind.get((account, kind), (ZERO, ZERO))[index] or ZERO
        result.append(TownshipReserve(
            # an opening's reserve entry is only ever reversed by `opening reverse`
            code, name, carried=side("opening", 0) - side("reversal", 1),
            advanced=side("reserve_advance", 0), paid=side("reserve_payment", 1),
            replenished=side("reserve_replenish", 0), undocumented=open_cases.get(code, 0),
            overdue=overdue.get(code, 0),
        ))
    return result


@dataclass(frozen=True)
class OpenCase:
    """An emergency payment from a township's reserve not yet documented (补充说明) by the day asked about; the
    person's id number as the reader may see it."""

    case_id: int  # what `reserve document` takes
    township: str
    name: str
    id_number: str
    amount: Decimal
    paid_on: date
    deadline: date
    reason: str
    overdue: bool


def open_cases(session: Session, county: str, as_of: date, *, reader: str | None,
               township: str | None = None) -> list[OpenCase]:
    """The county's cases (one township's, if given) paid by `as_of` and not documented by then, overdue ones
    first, then by deadline; a reader outside the county is refused, a township's clerk sees their township's."""
    require_within(session, reader, township or county, what=f"jurisdiction {township or county}")
    own = township_of(scope_of(session, reader))
    shown = personal_numbers(session, reader, as_json=False)
    documented = select(ReserveDocumentation.case_id).where(ReserveDocumentation.documented_on <= as_of)
    query = select(ReserveCase).where(ReserveCase.county_code == county, ReserveCase.paid_on <= as_of,
                                      ReserveCase.id.not_in(documented))
    for where in (township, own):
        if where is not None:
            query = query.where(ReserveCase.township == where)
    cases = [OpenCase(c.id, c.township, c.name, shown(c.id_number), c.amount, c.paid_on, c.deadline, c.reason,
                      c.deadline < as_of) for c in session.scalars(query)]
    return sorted(cases, key=lambda c: (not c.overdue, c.deadline, c.case_id))


def check_cases(session: Session) -> list[Problem]:
    """Sub-ledger check for `ledger verify`: each case's amount is what its entry took from the reserve."""
    rows = session.execute(
        select(ReserveCase.id, ReserveCase.amount, func.sum(JournalLine.credit))
        .join(JournalLine, JournalLine.entry_seq == ReserveCase.entry_seq)
        .join(Account, Account.id == JournalLine.account_id)
        .where(Account.name.like("Assets:Reserve:%"))
        .group_by(ReserveCase.id, ReserveCase.amount)
    )
    return [Problem(f"recorded {amount:.2f} but its entry took {booked:.2f} from the reserve", "reserve.case_entry",
                    entity=f"reserve case {case_id}",
                    figures=(("recorded", f"{amount:.2f}"), ("taken", f"{booked:.2f}")))
            for case_id, amount, booked in rows if amount != booked]
