"""渐退 (gradual exit): a 低保 household whose income rises to the standard keeps a fixed,
stepping-down payment for a number of months before it leaves.

The state for month M depends only on the state for M−1 and the facts on the first day of
M, so it is a pure function of the registry's history and the policy: a cycle carries it
forward month by month, and `explain` rebuilds it by walking from the first paid month.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from aidledger.codes import TrackStatus
from aidledger.policy.sections import GradualExit

from .components import ZERO, Component, fen

# The codes' plain strings, not the enum's members: a track's status travels in every cycle line a worker process
# hands back, and a member pickles through Python code (seconds for a million lines, bench/cycle.py).
NONE, NORMAL, EXIT, ENDED = (TrackStatus.NONE.value, TrackStatus.NORMAL.value, TrackStatus.EXIT.value,
                             TrackStatus.ENDED.value)


@dataclass(frozen=True)
class DibaoTrack:
    """A 低保 household's standing after a month.

    status: none (not entitled yet), normal (paid a base), exit (渐退 month `exit_month`,
    paying ratios of `exit_base`), ended (left 低保; not paid again).
    `amount` is the month's 低保 amount (base, add-ons and rounding; no one-off components):
    the exit base B if the next month enters gradual exit.
    """

    status: str = NONE
    exit_month: int = 0
    exit_base: Decimal = ZERO
    amount: Decimal = ZERO

    def __init__(self, status: str = NONE, exit_month: int = 0, exit_base: Decimal = ZERO, amount: Decimal = ZERO):
        # Frozen; one dict update instead of four object.__setattr__ calls (one track per household-month).
        self.__dict__.update(status=status, exit_month=exit_month, exit_base=exit_base, amount=amount)


START = DibaoTrack()


def exit_months_allowed(rule: GradualExit, any_disabled: bool) -> int:
    return rule.months_with_disabled if any_disabled else rule.months


def step_ratio(rule: GradualExit, month: int) -> Decimal:
    """The ratio of the last step starting on or before exit month `month`."""
    ratio = rule.steps[0].ratio
    for step in rule.steps:
        if step.from_month <= month:
            ratio = step.ratio
    return ratio


def exit_transition(previous: DibaoTrack, rule: GradualExit, above_ceiling: bool, any_disabled: bool) -> DibaoTrack:
    """The state for a month in which income is at or above the standard."""
    if above_ceiling or previous.status in (NONE, ENDED):
        # Above the ceiling it ends at once; never entitled, there is nothing to exit from.
        return DibaoTrack(ENDED if previous.status != NONE else NONE)
    month = 1 if previous.status == NORMAL else previous.exit_month + 1
    base = previous.amount if previous.status == NORMAL else previous.exit_base
    if month > exit_months_allowed(rule, any_disabled):
        return DibaoTrack(ENDED)
    return DibaoTrack(EXIT, month, base)


def exit_component(track: DibaoTrack, rule: GradualExit) -> Component:
    ratio = step_ratio(rule, track.exit_month)
    return Component(
        "exit", fen(track.exit_base * ratio),
        f"渐退第{track.exit_month}个月: 渐退基数 {track.exit_base:.2f} (收入超过标准前一个月的低保金) × {ratio}",
        "dibao.gradual_exit.steps",
    )
