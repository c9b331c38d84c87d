"""Reviews (核查): recording one, and the households whose next review is due (`registry reviews-due`, the
dashboard's list).

A county holds 100,000 households, and the dashboard asks on every visit, so the due ones are found by the
database: for each cadence the latest starting day that is due by `as_of` is worked out once
(`reviews.latest_due_start`), and only the households starting on or before it come back. The few households
whose programme, income type or approval changed by an event are judged in Python from their state on the day.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Date, case, func, literal, select
from sqlalchemy.orm import Session

from aidledger.disbursement.registry.reviews import REVIEW_EVENTS, ReviewDue, latest_due_start, next_review
from aidledger.disbursement.registry.store import load_household, load_households
from aidledger.disbursement.registry.tables import EventRow, HouseholdRow, ReviewRow
from aidledger.errors import Refusal
from aidledger.policy.store import effective_policy
from aidledger.users import require_role


def record_review(session: Session, household_id: str, day: date, *, user, now: datetime) -> date:
    require_role(session, user, "preparer", action="record reviews")
    stored = load_household(session, household_id)
    h = stored.household
    if day < h.approved_on:
        raise Refusal(f"review date {day} is before the household's approval on {h.approved_on}")
    session.add(ReviewRow(household_id=household_id, date=day, recorded_by=user, recorded_at=now))
    session.flush()
    review = effective_policy(session, h.county).on(day).review
    return next_review(review, h.program, h.income_type, h.approved_on, day)


@dataclass(frozen=True)
class DueSummary:
    """How many households are due for review, and the first of them by household id (the dashboard's list)."""

    count: int
    first: tuple[ReviewDue, ...]


def reviews_due(session: Session, county: str, as_of: date, *, township: str | None = None) -> list[ReviewDue]:
    """The households of the county (of one township it registers them in, if given) whose next review (核查)
    falls on or before `as_of`, by household id: by the programme and income type of that day, from the last
    review or the (re)approval; terminated households are not reviewed."""
    due = _Due(session, county, as_of, township)
    return sorted([*due.unchanged(), *due.changed()], key=lambda d: d.household_id)


def reviews_due_summary(session: Session, county: str, as_of: date, *, township: str | None = None,
                        first: int) -> DueSummary:
    """`reviews_due`'s count and its first `first` households, without reading the others."""
    due = _Due(session, county, as_of, township)
    changed = due.changed()
    count = (session.scalar(select(func.count()).select_from(due.unchanged_query().subquery())) or 0) + len(changed)
    listed = sorted([*due.unchanged(first), *changed], key=lambda d: d.household_id)[:first]
    return DueSummary(count, tuple(listed))


class _Due:
    """The two halves of the households due for review: those no event changed (judged by the database), and
    those an event changed (judged by their state on the day)."""

    def __init__(self, session: Session, county: str, as_of: date, township: str | None):
        self.session, self.as_of = session, as_of
        self.review = review = effective_policy(session, county).on(as_of).review
        last = (select(ReviewRow.household_id, func.max(ReviewRow.date).label("last"))
                .where(ReviewRow.date <= as_of).group_by(ReviewRow.household_id).subquery())
        households = [HouseholdRow.county_code == county, HouseholdRow.approved_on <= as_of]
        if township is not None:
            households.append(HouseholdRow.township == township)
        # Every county's: the events are few beside the households, and the households' own conditions (below)
        # keep the county's; joined here instead, SQLite would probe the events of every household of the county.
        self.events = select(EventRow.household_id).where(EventRow.kind.in_(REVIEW_EVENTS), EventRow.date <= as_of)
        columns = (HouseholdRow.household_id, HouseholdRow.program, HouseholdRow.income_type,
                   HouseholdRow.approved_on, last.c.last)
        self.rows = (select(*columns).outerjoin(last, last.c.household_id == HouseholdRow.household_id)
                     .where(*households))
        self.changed_rows = (select(*columns, HouseholdRow.county_code, HouseholdRow.township)
                             .outerjoin(last, last.c.household_id == HouseholdRow.household_id))

        def keeps(row) -> bool:
            return row.county_code == county and row.approved_on <= as_of and township in (None, row.township)

        self.keeps = keeps

        def due_start(months: int):
            return literal(latest_due_start(as_of, months), Date)

        self.start = func.coalesce(last.c.last, HouseholdRow.approved_on)
        self.latest = case((HouseholdRow.program == "tekun", due_start(review.tekun_months)),
                           (HouseholdRow.income_type == "variable", due_start(review.dibao_variable_months)),
                           else_=due_start(review.dibao_stable_months))

    def unchanged_query(self):
        return self.rows.where(HouseholdRow.household_id.not_in(self.events), self.start <= self.latest)

    def unchanged(self, limit: int | None = None) -> list[ReviewDue]:
        query = self.unchanged_query().order_by(HouseholdRow.household_id)
        if limit is not None:
            query = query.limit(limit)
        return [ReviewDue(household_id, program, income_type, last_review,
                          next_review(self.review, program, income_type, approved_on, last_review))
                for household_id, program, income_type, approved_on, last_review in self.session.execute(query)]

    def changed(self) -> list[ReviewDue]:
        # Found by the events' households, then kept to the county (and township): with the county's condition in
        # the query, SQLite would walk every household of the county to test each against the events.
        rows = [row[:5] for row in self.session.execute(self.changed_rows.where(
                HouseholdRow.household_id.in_(self.events))) if self.keeps(row)]
        states = {h: stored.on(self.as_of) for h, stored in load_households(self.session, [r[0] for r in rows]).items()}
        due = []
        for household_id, _, _, _, last_review in rows:
            state = states[household_id]
            if state.terminated_on is not None:
                continue
            program, income_type = state.household.program, state.household.income_type
            when = next_review(self.review, program, income_type, state.approved_since, last_review)
            if when <= self.as_of:
                due.append(ReviewDue(household_id, program, income_type, last_review, when))
        return due
