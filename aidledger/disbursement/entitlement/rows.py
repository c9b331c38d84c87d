"""The rows a payment cycle stores: one cycle_lines row per household paid, a track row per one that left.

Pure. A row is a named tuple in the table's column order with money in integer fen, so that a run (or a
worker computing a share of a large county) hands the storing transaction ready rows for the driver's
executemany, and a reader (and mypy) knows each field by name.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import NamedTuple

from aidledger.disbursement.registry.state import HouseholdState, StoredHousehold
from aidledger.disbursement.rules import Component
from aidledger.disbursement.rules.components import ZERO
from aidledger.disbursement.rules.facts import counted_members
from aidledger.disbursement.rules.gradual_exit import ENDED
from aidledger.disbursement.rules.set_off import SetOff
from aidledger.ledger.money import from_fen, to_fen

from .compute import Computed, MonthComputer, head_of


class LineRow(NamedTuple):
    """One `cycle_lines` row, money in fen, fields in the table's column order (a test holds them equal)."""

    cycle_id: int
    household_id: str
    program: str
    area: str
    township: str
    head_name: str
    head_id_number: str
    members: int
    payee_name: str
    bank_account: str
    amount_fen: int
    components: str  # JSON: the components as `cycle show` prints them
    track_status: str
    exit_month: int  # the 渐退 month k (0 outside an exit)
    exit_base_fen: int
    dibao_amount_fen: int
    price_subsidy_fen: int
    heating_fen: int
    temporary_fen: int
    arrears_fen: int
    set_off_fen: int


class TrackRow(NamedTuple):
    """One `cycle_tracks` row: a household not paid this month whose 渐退 track the next month must know."""

    cycle_id: int
    household_id: str
    track_status: str


class HeldRow(NamedTuple):
    """One `cycle_held` row: a household whose month is computed but not paid, and why; its track carries on."""

    cycle_id: int
    household_id: str
    payee_name: str
    amount_fen: int
    reason: str
    track_status: str
    exit_month: int
    exit_base_fen: int
    dibao_amount_fen: int


LINE_COLUMNS: tuple[str, ...] = LineRow._fields
AMOUNT = LINE_COLUMNS.index("amount_fen")  # for rows that crossed from a worker process as plain tuples
# A row is made by tuple.__new__ directly: a named tuple's own __new__ is a Python function, a third of the cost of
# a million lines; the row is the same named tuple.
_new_row = tuple.__new__
TRACK_COLUMNS: tuple[str, ...] = TrackRow._fields
HELD_COLUMNS: tuple[str, ...] = HeldRow._fields
RELEASED = "held_cycle"  # the key an Addition paying a held month carries (cycles/service/additions.py)
PROGRESS_STEP = 1_000  # households per chunk, and per progress report (a terminal's bar redraws on each)


@dataclass(frozen=True)
class Reissue:
    """A bank return to pay again: its id, amount, when it came back and the month it paid for."""

    id: int
    amount: Decimal
    returned_on: object
    month: str

    def addition(self) -> Addition:
        return Addition(Component(
            "arrears", self.amount, f"退票重发: {self.returned_on} 退回的 {self.amount:.2f} 元改付至更正后的账号",
            "bank return", month=self.month), None, (("return_id", self.id),))


@dataclass(frozen=True)
class Addition:
    """A component a cycle adds to a household's line beyond the month's rules.

    `part`: the line column that carries it, "temporary" (an instalment) or "arrears" (补发
    for an earlier month); None for a re-issued bank return, which the cycle's re-issues
    carry. `extra`: keys added to the component as stored (return_id, grant_id, …).
    """

    component: Component
    part: str | None
    extra: tuple[tuple[str, object], ...] = ()


_ONE_OFF = ("price_subsidy", "heating")


_JSON = json.JSONEncoder(ensure_ascii=False)  # json.dumps(…, ensure_ascii=False) would build one per line


def line_row(cycle_id: int, computed: Computed, additions: Sequence[Addition | SetOff],
             computer: MonthComputer) -> LineRow:
    """The cycle_lines row of a paid household."""
    stored, state, benefit, track = computed.stored, computed.state, computed.benefit, computed.track
    household = state.household  # as of the month's first day: its programme, township and payee may have changed
    amount = benefit.amount
    parts = {"price_subsidy": 0, "heating": 0, "temporary": 0, "arrears": 0, "set_off": 0}
    for c in benefit.components:
        if c.kind in _ONE_OFF:
            parts[c.kind] += to_fen(c.amount)
    if additions:
        components: list[Mapping[str, object]] = [c.as_dict() for c in benefit.components]
        reissued, set_off = ZERO, None
        for a in additions:
            if isinstance(a, SetOff):
                set_off = a
                continue
            components.append(a.component.as_dict() | dict(a.extra))
            amount += a.component.amount
            if a.part is not None:
                parts[a.part] += to_fen(a.component.amount)
            else:
                reissued += a.component.amount
        if set_off is not None:  # from the month's own payment only
            payable = amount - reissued - from_fen(parts["price_subsidy"] + parts["heating"] + parts["temporary"])
            withheld = set_off.withheld(payable)
            if withheld > 0:
                components.append(set_off.component(withheld, payable).as_dict())
                amount -= withheld
                parts["set_off"] = to_fen(withheld)
        components_json = _JSON.encode(components)
    else:  # the same text, without building the dicts
        components_json = "[" + ", ".join([c.as_json() for c in benefit.components]) + "]"
    head = head_of(state.members or stored.members)
    return _new_row(LineRow, (
        cycle_id, household.household_id, household.program, household.area, household.township, head.name,
        head.id_number, len(counted_members(state)), household.payee_name, household.bank_account,
        to_fen(amount), components_json, track.status, track.exit_month, to_fen(track.exit_base),
        to_fen(track.amount), parts["price_subsidy"], parts["heating"], parts["temporary"], parts["arrears"],
        parts["set_off"],
    ))


def held_reason(state: HouseholdState) -> str | None:
    """Why the household's line is held, or None: the payee is a member of the household who died before the
    month's first day (a member of that name, none of that name alive). Held until a `payee` event names who
    is paid now."""
    payee = state.household.payee_name
    named = [m for m in state.members if m.name == payee]
    if named and all(m.death_date is not None and m.death_date < state.day for m in named):
        return (f"收款人 {payee} 已于 {named[0].death_date} 去世: 暂缓发放, 待以 payee 事件指定新的收款人和账户后"
                "补发")
    return None


def held_row(line: LineRow, reason: str) -> HeldRow:
    return HeldRow(line.cycle_id, line.household_id, line.payee_name, line.amount_fen, reason, line.track_status,
                   line.exit_month, line.exit_base_fen, line.dibao_amount_fen)


Chunk = tuple[list[LineRow], list[TrackRow], list[HeldRow], int]  # and households looked at


def computed_rows(cycle_id: int, households: Iterable[StoredHousehold], computer: MonthComputer,
                  additions: Mapping[str, Sequence[Addition | SetOff]] | None) -> Iterator[Chunk]:
    """The cycle's rows for the households, in chunks: (lines, tracks, held lines, households looked at)."""
    lines: list[LineRow] = []
    tracks: list[TrackRow] = []
    held: list[HeldRow] = []
    done = 0
    for stored in households:
        computed = computer.compute(stored)
        extra = additions.get(stored.household.household_id, ()) if additions else ()
        if computed.benefit.paid or any(isinstance(a, Addition) for a in extra):  # a set-off alone pays nothing
            reason = held_reason(computed.state)
            if reason is None:
                lines.append(line_row(cycle_id, computed, extra, computer))
            else:  # held: what earlier holds would release stays held with them, not in this month's amount
                kept = [a for a in extra if not (isinstance(a, Addition) and dict(a.extra).get(RELEASED))]
                held.append(held_row(line_row(cycle_id, computed, kept, computer), reason))
        elif computed.track.status == ENDED:  # the next month must know it is not paid again
            tracks.append(TrackRow(cycle_id, stored.household.household_id, ENDED))
        done += 1
        if done == PROGRESS_STEP:
            yield lines, tracks, held, done
            lines, tracks, held, done = [], [], [], 0
    if done:
        yield lines, tracks, held, done
