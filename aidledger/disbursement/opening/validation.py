"""Checks of an opening load's rows against the county: its townships, its registry, its first month.

Pure. The service looks up the facts (`HouseholdFacts`, the townships, the reserve's set
amount); each check returns the problems of one row, naming the file, line and column.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from aidledger.disbursement.rules.first_month import months_between
from aidledger.problems import Problem

from .files import OpenReceivable, ReserveBalance, StateRow


@dataclass(frozen=True)
class HouseholdFacts:
    """A registry household as the first month sees it (the registry as of its first day)."""

    county: str
    program: str
    first_paid_month: str  # by the policy's dibao.start
    exit_months: int  # 渐退 months the policy allows it (months_with_disabled when a member is disabled)


def reserve_problems(row: ReserveBalance, source: str, county: str, townships: Mapping[str, str],
                     set_amount: Decimal) -> list[Problem]:
    if row.township not in townships:
        return [Problem.in_file(source, row.line, "township", f"{row.township} is not a township of {county} "
                           f"(its policy lists {', '.join(sorted(townships)) or 'none'})")]
    if row.amount > set_amount:
        return [Problem.in_file(source, row.line, "amount", f"reserve.amount: {townships[row.township]} "
                           f"({row.township}) is set at {set_amount:.2f}; a balance of {row.amount:.2f} is above it")]
    return []


def _household_problem(row: OpenReceivable | StateRow, source: str, county: str,
                       facts: HouseholdFacts | None) -> Problem | None:
    if facts is None:
        return Problem.in_file(source, row.line, "household_id", f"household {row.household_id} is not in the registry "
                          "(import the registry before the opening load)", row.household_id)
    if facts.county != county:
        return Problem.in_file(source, row.line, "household_id",
                          f"household {row.household_id} belongs to county {facts.county}, not {county}",
                          row.household_id)
    return None


def receivable_problems(row: OpenReceivable, source: str, county: str, first_month: str,
                        facts: HouseholdFacts | None) -> list[Problem]:
    wrong = _household_problem(row, source, county, facts)
    if wrong is not None:
        return [wrong]
    if row.month >= first_month:
        return [Problem.in_file(source, row.line, "month", f"{row.month} is not before the first month {first_month}: "
                           "an open receivable of the old books is for a month they paid", row.household_id)]
    return []


def state_problems(row: StateRow, source: str, county: str, first_month: str,
                   facts: HouseholdFacts | None) -> list[Problem]:
    wrong = _household_problem(row, source, county, facts)
    if wrong is not None:
        return [wrong]
    assert facts is not None
    problems = []

    def refuse(column: str, reason: str) -> None:
        problems.append(Problem.in_file(source, row.line, column, reason, row.household_id))

    if facts.program != "dibao":
        refuse("status", f"household {row.household_id} is {facts.program} on the first day of {first_month}; "
               "only 低保 (dibao) households are handed over in 渐退 or ended")
    elif facts.first_paid_month >= first_month:
        refuse("household_id", f"household {row.household_id} is first paid in {facts.first_paid_month}, not "
               f"before the first month {first_month}: it has no standing to hand over")
    if row.status == "exit" and row.exit_started is not None:
        done = months_between(row.exit_started, first_month)
        if done < 0:
            refuse("exit_started", f"{row.exit_started} is after the first month {first_month}")
        elif facts.program == "dibao" and done >= facts.exit_months:
            refuse("exit_started", f"a 渐退 begun in {row.exit_started} has had its {facts.exit_months} months "
                   f"(dibao.gradual_exit) before {first_month}: hand the household over as ended")
    return problems
