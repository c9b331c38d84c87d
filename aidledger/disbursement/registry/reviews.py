"""Reviews (核查): when a household is due, as date arithmetic. Pure.

A household is reviewed every `cadence_months` (the policy's review section: 特困 yearly, 低保 and 低收入 by
income type) counted from its last review or, before any, from its (re)approval. `latest_due_start` turns
"due by a day" into "started on or before a day", which a database can filter on (service/reviews.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from dateutil.relativedelta import relativedelta

from aidledger.policy.sections import Review

REVIEW_EVENTS = ("program", "income_type", "terminate", "reapprove", "void")  # what can change a review's due day
@dataclass(frozen=True)
class ReviewDue:
    household_id: str
    program: str
    income_type: str | None
    last_review: date | None
    due: date


def cadence_months(review: Review, program: str, income_type: str | None) -> int:
    """特困 yearly; 低保 (and 低收入) by income type: stable yearly, variable half-yearly, per the policy."""
    if program == "tekun":
        return review.tekun_months
    return review.dibao_variable_months if income_type == "variable" else review.dibao_stable_months


def next_review(review: Review, program: str, income_type: str | None, approved_on: date, last: date | None) -> date:
    due: date = (last or approved_on) + relativedelta(months=cadence_months(review, program, income_type))
    return due


def latest_due_start(as_of: date, months: int) -> date:
    """The latest day d with d + `months` months on or before `as_of`. Adding months is monotone (a day past the
    end of the shorter month is clamped to its last day: 31 January + 1 month = 28 February), so every earlier
    day is due as well; the clamping moves the answer by at most three days from `as_of` − `months` months."""
    step = relativedelta(months=months)
    start: date = as_of - step
    while start + step > as_of:
        start -= timedelta(days=1)
    while start + timedelta(days=1) + step <= as_of:
        start += timedelta(days=1)
    return start


