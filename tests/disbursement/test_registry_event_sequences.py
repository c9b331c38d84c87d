"""Random histories of events files against the stored example registry (pure, in memory).

Files of events of every kind, for the example households and people (and a few new ones), on clustered
dates, with voids of events accepted earlier, are loaded one after the other through `RegistryLoad.events`
(changes.check_events). A file either stores (its events and the events derived with them get increasing
ids, as the store gives them) or is refused whole with problems; it never raises. After every stored file
the registry's lasting rules hold over the whole of time:

- a person is an active member of at most one household on any day (memberships());
- one bank account is paid for one household on any day unless both say shared_account = yes.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace
from datetime import date
from decimal import Decimal
from itertools import combinations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from registry_samples import SPARE_IDS, TODAY, csv_lines, example_context, example_lines

from aidledger.disbursement.registry.changes import CheckedFile
from aidledger.disbursement.registry.context import InMemoryRegistryContext
from aidledger.disbursement.registry.load import RegistryLoad
from aidledger.disbursement.registry.readers import (
    EVENT_COLUMNS,
    EVENT_USES,
    read_events,
    read_households,
    read_members,
)
from aidledger.disbursement.registry.records import (
    CARE_LEVELS,
    DISABILITY_KINDS,
    EVENT_KINDS,
    FLAGS,
    RELATIONS,
    Event,
)
from aidledger.disbursement.registry.state import effective
from aidledger.problems import Problem

COLUMNS = list(EVENT_COLUMNS.required) + list(EVENT_COLUMNS.optional)
HOUSEHOLDS = [f"H{n:03d}" for n in range(1, 12)]
EXAMPLE_MEMBERS = list(read_members(example_lines("members.csv"), "members.csv", today=TODAY))
EXAMPLE_HOUSEHOLDS = list(read_households(example_lines("households.csv"), "households.csv", today=TODAY))
PEOPLE = [m.id_number for m in EXAMPLE_MEMBERS] + SPARE_IDS
ACCOUNTS = [h.bank_account for h in EXAMPLE_HOUSEHOLDS] + ["6217000010000000128", "6217000010000000136"]
DAYS = [date(*d) for d in ((2021, 6, 1), (2021, 6, 15), (2021, 9, 1), (2022, 1, 1), (2022, 1, 15), (2022, 1, 20),
                           (2022, 2, 1), (2022, 2, 10), (2022, 3, 1), (2022, 3, 15), (2022, 4, 1), (2022, 6, 1),
                           (2022, 8, 1))]
FAR = date(2030, 1, 1)
ANY_DAY = st.one_of(st.sampled_from(DAYS[2:] * 4 + DAYS[:2]), st.dates(date(2021, 1, 1), date(2023, 12, 31)))
often = st.sampled_from([True, True, True, True, False])
# The kinds that change who belongs where, or which account is paid, drawn more often.
MEMBERSHIP_KINDS = ("add_member", "remove_member", "move_member", "death", "terminate", "reapprove", "void", "payee")


def stored_examples() -> InMemoryRegistryContext:
    """The example registry as stored, with the example events file (H010's income) as event 1."""
    context = example_context(households=EXAMPLE_HOUSEHOLDS, members=EXAMPLE_MEMBERS)
    events = list(read_events(example_lines("events.csv"), "events.csv", today=TODAY))
    assert all(isinstance(e, Event) for e in events)
    store(context, CheckedFile(events=events), 1)
    return context


def store(context: InMemoryRegistryContext, checked: CheckedFile, next_id: int) -> int:
    """Add a file's events, then those derived with them, with increasing ids, as the store reads them back
    (values as text, an income as a Decimal); returns the next id."""
    for event in checked.events + checked.derived:
        value = event.value
        if value is not None:
            value = Decimal(str(value)) if event.kind == "income" else str(value)
        stored = context.households[event.household_id]
        context.households[event.household_id] = replace(
            stored, events=stored.events + (replace(event, value=value, event_id=next_id),))
        next_id += 1
    return next_id


def current_people(context: InMemoryRegistryContext, household_id: str) -> list[str]:
    stored = context.households.get(household_id)
    return sorted(m.id_number for m in stored.on(FAR).members) if stored else []


@st.composite
def event_rows(draw, context: InMemoryRegistryContext) -> list[dict[str, str]]:
    """One row of a random kind (a change to 特困 sometimes followed by its members' care levels)."""
    kind = draw(st.one_of(st.sampled_from(EVENT_KINDS), st.sampled_from(MEMBERSHIP_KINDS)))
    household = draw(st.sampled_from(HOUSEHOLDS * 4 + ["H099"]))  # now and then one never stored
    on = draw(ANY_DAY)
    waiting = {"reapprove": "terminated_on", "resume": "suspended"}.get(kind)
    if waiting:  # mostly a household that has something to reapprove or resume
        ended = sorted(h for h, s in context.households.items() if getattr(s.on(FAR), waiting) is not None)
        if ended and draw(often):
            household = draw(st.sampled_from(ended))
            since = max(e.date for e in effective(context.households[household].events)
                        if e.kind == {"reapprove": "terminate", "resume": "suspend"}[kind])
            on = max(on, since)
    here = current_people(context, household)
    person = draw(st.sampled_from(here) if here and draw(often) else st.sampled_from(PEOPLE))
    row = {"household_id": household, "kind": kind, "date": on.isoformat()}
    uses = EVENT_USES[kind]
    if "id_number" in uses:
        row["id_number"] = person
    pick = lambda *choices: draw(st.sampled_from(choices))  # noqa: E731
    if kind == "income":
        row["value"] = pick("0", "400", "900", "1500", "3000")
    elif kind == "income_type":
        row["value"] = pick("stable", "variable")
    elif kind == "tier":
        row["value"] = pick("A", "B")
    elif kind == "add_member":
        row.update(id_number=draw(st.sampled_from(SPARE_IDS * 6 + PEOPLE)), name="新成员",
                   relation=pick("child", "other", *RELATIONS), care_level=pick("", "", *CARE_LEVELS),
                   single_person=pick("", "", "yes"))
        if draw(st.booleans()):
            row.update(disability_grade=pick("1", "2", "3", "4"), disability_kind=pick(*DISABILITY_KINDS))
    elif kind == "move_member":
        row["value"] = pick(*HOUSEHOLDS, "H099")
    elif kind == "disability":
        if draw(st.booleans()):
            row.update(disability_grade=pick("1", "2", "3", "4"), disability_kind=pick(*DISABILITY_KINDS))
    elif kind == "flags":
        row["flags"] = ";".join(draw(st.lists(st.sampled_from(FLAGS), max_size=2)))
    elif kind == "single_person":
        row["value"] = pick("yes", "no")
    elif kind == "care_level":
        row["value"] = pick(*CARE_LEVELS)
    elif kind == "payee":
        row.update(payee_name=pick("新收款人", "宝清县社会福利院"), bank_account=pick(*ACCOUNTS),
                   shared_account=pick("", "yes"))
    elif kind == "township":
        row["value"] = pick("230523100", "230523101", "230523102", "230523199")
    elif kind == "area":
        row["value"] = pick("urban", "rural")
    elif kind == "program":
        program = row["value"] = pick("dibao", "tekun", "low_income")
        if program == "dibao":
            row.update(monthly_income=pick("0", "900"), income_type=pick("stable", "variable"))
        elif program == "low_income":
            row["monthly_income"] = pick("0", "1500")
        else:
            row["tekun_setting"] = pick("dispersed", "centralized")
            if draw(often):
                return [row] + [{"household_id": household, "kind": "care_level", "date": row["date"],
                                 "id_number": pid, "value": pick(*CARE_LEVELS)} for pid in here]
    elif kind == "tekun_setting":
        row["value"] = pick("dispersed", "centralized")
    elif kind == "suspend":
        row["value"] = "核查中"
    elif kind == "terminate":
        row["value"] = pick("", "收入超标")
    elif kind == "void":
        recorded = [e for s in context.households.values() for e in s.events]
        if recorded and draw(often):
            target = draw(st.sampled_from(sorted(recorded, key=lambda e: e.event_id)))
            row["value"] = str(target.event_id)
            if draw(often):
                row["household_id"] = target.household_id
                row["date"] = max(on, target.date).isoformat()
        else:
            row["value"] = str(draw(st.integers(1, 300)))
        row["reason"] = "误录"
    return [row]


def overlaps_between_households(context: InMemoryRegistryContext, which: str) -> list[tuple]:
    """(key, span, span) for each two spans of a person (or an account) in different households that meet; for
    accounts, unless both are shared."""
    spans = defaultdict(list)
    for stored in context.households.values():
        found = stored.memberships() if which == "people" else stored.account_spans()
        for key, key_spans in found.items():
            spans[key].extend(key_spans)
    return [(key, a, b) for key, key_spans in spans.items() for a, b in combinations(key_spans, 2)
            if a.household_id != b.household_id and a.overlaps(b) and not (which == "accounts" and a.shared
                                                                                and b.shared)]


def load_file(context: InMemoryRegistryContext, rows: list[dict[str, str]]) -> tuple[CheckedFile, list[Problem]]:
    load = RegistryLoad(context, today=TODAY)
    checked = load.events(csv_lines(rows, COLUMNS), "events.csv")
    log = load.finish()
    assert all(isinstance(p, Problem) and p.reason for p in log.first)
    assert log.count >= len(log.first)
    return checked, list(log.first) if log else []


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(st.data())
def test_random_histories_never_raise_and_keep_the_lasting_rules(data):
    context = stored_examples()
    next_id = 2
    for n in range(data.draw(st.integers(1, 10), label="files")):
        rows = [row for group in data.draw(st.lists(event_rows(context), min_size=1, max_size=3), label=f"file {n}")
                for row in group]
        checked, problems = load_file(context, rows)
        if problems:
            continue  # all or nothing: a refused file stores nothing
        assert len(checked.events) == len(rows)
        next_id = store(context, checked, next_id)
        for which in ("people", "accounts"):
            assert overlaps_between_households(context, which) == [], (which, rows)
        for stored in context.households.values():  # every day is still a household that can be read
            for day in DAYS:
                stored.on(day)


def test_a_fixed_history_is_stored_and_keeps_the_rules():
    """The plumbing the random test relies on: moves, a void of a move, an addition, a refused reappearance."""
    context = stored_examples()
    move = [{"household_id": "H011", "kind": "move_member", "date": "2022-01-15", "id_number": "230523199203172319",
             "value": "H010"}]
    checked, problems = load_file(context, move)
    assert problems == [] and [e.kind for e in checked.derived] == ["member_joined"]
    next_id = store(context, checked, 2)
    assert "230523199203172319" in current_people(context, "H010")
    # Added back to H011 while she is in H010: refused by the lasting rule.
    back = [{"household_id": "H011", "kind": "add_member", "date": "2022-02-01", "id_number": "230523199203172319",
             "name": "郑小兰", "relation": "other"}]
    assert [p.reason for p in load_file(context, back)[1]] == [
        "this person would be an active member of households H011 and H010 at once from 2022-02-01"]
    void = [{"household_id": "H011", "kind": "void", "date": "2022-02-20", "value": "2", "reason": "误录"}]
    checked, problems = load_file(context, void)
    assert problems == [] and [(e.household_id, e.kind, e.value) for e in checked.derived] == [("H010", "void", "3")]
    store(context, checked, next_id)
    assert "230523199203172319" not in current_people(context, "H010")
    assert "230523199203172319" in current_people(context, "H011")
    assert overlaps_between_households(context, "people") == []


def rows_of(*rows: tuple[str, str, str, dict[str, str]]) -> list[dict[str, str]]:
    return [{"household_id": h, "kind": k, "date": d, **cells} for h, k, d, cells in rows]


MOVED = "230523199203172319"  # 郑小兰 of H011
MOVE = ("H011", "move_member", "2022-01-15", {"id_number": MOVED, "value": "H010"})
HEAD_AFTER = ("H010", "head", "2022-02-01", {"id_number": MOVED})


def test_an_event_about_a_person_who_moved_in_is_judged_after_the_arrival():
    """Each event is judged in its place in history: in H010 on 2022-02-01 she has been a member since 2022-01-15,
    whether the move came in an earlier file or earlier in the same file."""
    context = stored_examples()
    checked, problems = load_file(context, rows_of(MOVE))
    assert problems == []
    store(context, checked, 2)
    assert load_file(context, rows_of(HEAD_AFTER))[1] == []  # in the next file: accepted
    checked, problems = load_file(stored_examples(), rows_of(MOVE, HEAD_AFTER))
    assert [p.reason for p in problems] == []


def test_voiding_an_addition_leaves_no_arrival_of_the_person_it_added():
    """A void makes the registry, for every day, as if the event had never been recorded: without the addition the
    person never was in H001 and never moved from it to H002. Either the void is refused (a later move depends on
    it) or H002 does not have the person."""
    context = stored_examples()
    newcomer = SPARE_IDS[0]
    next_id = 2
    for rows in (rows_of(("H001", "add_member", "2022-01-01", {"id_number": newcomer, "name": "新成员",
                                                                 "relation": "other"})),
                 rows_of(("H001", "move_member", "2022-02-01", {"id_number": newcomer, "value": "H002"}))):
        checked, problems = load_file(context, rows)
        assert problems == []
        next_id = store(context, checked, next_id)
    assert newcomer in current_people(context, "H002")
    checked, problems = load_file(context, rows_of(("H001", "void", "2022-03-01", {"value": "2", "reason": "误录"})))
    if not problems:
        store(context, checked, next_id)
        assert newcomer not in current_people(context, "H001")
        assert newcomer not in current_people(context, "H002"), "the person arrives from a household never joined"
