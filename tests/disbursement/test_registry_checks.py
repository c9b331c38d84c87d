"""Checks across rows and files of a registry load, and against the stored registry (in memory here)."""

from __future__ import annotations

from datetime import date

import pytest
from registry_samples import (
    EVENT,
    HOUSEHOLD,
    MEMBER,
    SPARE_IDS,
    TODAY,
    csv_lines,
    example_context,
    example_lines,
    household,
)

from aidledger.disbursement.registry.context import InMemoryRegistryContext
from aidledger.disbursement.registry.load import RegistryLoad
from aidledger.disbursement.registry.readers import read_households, read_members
from aidledger.problems import Problem, ProblemLog

TEKUN = {**HOUSEHOLD, "program": "tekun", "monthly_income": "", "income_type": "", "tekun_setting": "dispersed"}


def member(household_id="H001", id_number=None, relation="head", **cells):
    number = id_number or SPARE_IDS[0]
    row = {**MEMBER, "household_id": household_id, "id_number": number, "relation": relation, "birth_date": ""}
    return {**row, **cells}


def run(households=None, members=None, events=None, context=None, replace=False):
    """Load the rows; return (stored households, stored members, stored events, problem tuples)."""
    load = RegistryLoad(context or example_context(), today=TODAY, replace=replace)
    kept = [[], [], []]
    if households is not None:
        kept[0] = list(load.households(csv_lines(households, list(HOUSEHOLD))))
    if members is not None:
        kept[1] = list(load.members(csv_lines(members, list(MEMBER))))
    if events is not None:
        kept[2] = load.events(csv_lines(events, list(EVENT))).events
    log = load.finish()
    assert log.count == len(log.first)
    return (*kept, [(p.source, p.line, p.column, p.reason) for p in log.first])


def stored_examples() -> InMemoryRegistryContext:
    """The example registry as stored by an earlier load."""
    households = list(read_households(example_lines("households.csv"), "households.csv", today=TODAY))
    members = list(read_members(example_lines("members.csv"), "members.csv", today=TODAY))
    return example_context(households=households, members=members)


# ---- households ----------------------------------------------------------------------------


def test_a_household_id_twice_in_the_file():
    households, _, _, problems = run([HOUSEHOLD, household("H002"), HOUSEHOLD])
    assert [h.household_id for h in households] == ["H001", "H002"]
    assert problems == [("households.csv", 4, "household_id", "H001 is also at line 2")]


def test_a_county_without_a_loaded_policy():
    row = {**HOUSEHOLD, "county": "230524", "township": "230524100"}
    assert run([row])[3] == [("households.csv", 2, "county", "no policy is loaded for county 230524")]


def test_a_township_the_policy_does_not_list():
    row = {**HOUSEHOLD, "township": "230523199"}
    assert run([row])[3] == [("households.csv", 2, "township", "230523199 is not a township in county 230523's policy")]


def test_a_household_already_stored_is_refused_unless_replaced():
    context = stored_examples()
    assert run([HOUSEHOLD], [member(id_number="230523197705100113")], context=context)[3] == [
        ("households.csv", 2, "household_id",
         "H001 is already stored; a stored household changes only by dated events (registry events)")
    ]
    households, members, _, problems = run(
        [HOUSEHOLD], [member(id_number="230523197705100113")], context=context, replace=True
    )
    assert (len(households), len(members), problems) == (1, 1, [])


def test_reloading_the_identical_files_with_replace_is_clean():
    context = stored_examples()
    load = RegistryLoad(context, today=TODAY, replace=True)
    assert len(list(load.households(example_lines("households.csv")))) == 11
    assert len(list(load.members(example_lines("members.csv")))) == 23
    assert not load.finish()


# ---- members -------------------------------------------------------------------------------


def test_exactly_one_head_per_household():
    rows = [member(), member(id_number=SPARE_IDS[1])]
    assert run([HOUSEHOLD], rows)[3] == [("members.csv", 3, "relation", "H001 already has a head at line 2")]


def test_a_household_without_a_head():
    rows = [member(relation="spouse"), member(id_number=SPARE_IDS[1], relation="child")]
    assert run([HOUSEHOLD], rows)[3] == [
        ("members.csv", 2, "relation", "H001 has no head (exactly one member has relation head)")
    ]


def test_a_household_without_members():
    rows = [HOUSEHOLD, household("H002")]
    assert run(rows, [member()])[3] == [
        ("households.csv", 3, "household_id", "H002 has no members in members.csv (it needs its head)")
    ]


def test_the_same_person_twice_names_both_lines():
    rows = [member(), member(id_number=SPARE_IDS[1], relation="child"), member(relation="spouse")]
    _, members, _, problems = run([HOUSEHOLD], rows)
    assert [m.line for m in members] == [2, 3]
    assert problems == [("members.csv", 4, "id_number", "the same id number is also at line 2")]


def test_the_same_person_with_a_lowercase_x_is_the_same_person():
    households = [HOUSEHOLD, household("H002")]
    rows = [member(id_number="23052319491212101X"), member("H002", id_number="23052319491212101x")]
    assert run(households, rows)[3] == [("members.csv", 3, "id_number", "the same id number is also at line 2")]


def test_a_member_of_an_unknown_household():
    rows = [member(), member("H999", SPARE_IDS[1])]
    assert run([HOUSEHOLD], rows)[3] == [
        ("members.csv", 3, "household_id", "H999 is neither in the households file nor stored")
    ]


def test_members_added_to_a_stored_household():
    context = stored_examples()
    rows = [member("H002", SPARE_IDS[1], "grandchild")]
    households, members, _, problems = run(members=rows, context=context)
    assert (len(members), problems) == (1, [])


def test_a_person_already_stored_in_a_stored_household_is_not_added_again():
    context = stored_examples()
    rows = [member("H002", "230523195903050525", "spouse")]  # 钱振华, stored in H002
    assert run(members=rows, context=context)[3] == [
        ("members.csv", 2, "id_number", "this person is an active member of stored household H002 from 2021-06-15 "
                                        "and has not left it, which meets H002's approval on 2021-06-15")
    ]


def test_a_person_already_stored_in_another_household():
    context = stored_examples()
    rows = [member("H100", "230523197809020222")]  # 马玉梅, stored in H001, now head of H100
    assert run([household("H100")], rows, context=context)[3] == [
        ("members.csv", 2, "id_number", "this person is an active member of stored household H001 from 2021-06-15 "
                                        "and has not left it, which meets H100's approval on 2021-06-15")
    ]


def test_a_person_may_move_out_of_a_household_that_is_replaced():
    context = stored_examples()
    households = [household("H100"), HOUSEHOLD]
    rows = [member("H100", "230523197809020222"), member("H001", "230523197705100113")]
    assert run(households, rows, context=context, replace=True)[3] == []


def test_care_level_is_required_for_tekun_members():
    households = [TEKUN]
    assert run(households, [member()])[3] == [
        ("members.csv", 2, "care_level", "required for members of tekun households (H001 is tekun)")
    ]
    assert run(households, [member(care_level="full")])[3] == []


def test_care_level_and_single_person_belong_to_their_programs():
    assert run([HOUSEHOLD], [member(care_level="self", single_person="yes")])[3] == [
        ("members.csv", 2, "care_level", "applies only to members of tekun households; H001 is dibao"),
        ("members.csv", 2, "single_person", "applies only to members of low_income households; H001 is dibao"),
    ]


def test_care_level_for_a_stored_tekun_household():
    context = stored_examples()
    assert run(members=[member("H005", SPARE_IDS[1], "other")], context=context)[3] == [
        ("members.csv", 2, "care_level", "required for members of tekun households (H005 is tekun)")
    ]


def test_one_mistake_is_one_problem():
    households = [{**HOUSEHOLD, "area": "city"}]
    rows = [member(), member(id_number=SPARE_IDS[1], relation="child")]
    assert run(households, rows)[3] == [("households.csv", 2, "area", "'city' is not one of urban, rural")]
    # a household row with a field missing: its members are not refused on top
    short = csv_lines([HOUSEHOLD])[1].replace(",王建国", "")
    load = RegistryLoad(example_context(), today=TODAY)
    assert list(load.households(csv_lines([HOUSEHOLD])[:1] + [short])) == []
    assert len(list(load.members(csv_lines([member()], list(MEMBER))))) == 1
    assert [str(p) for p in load.finish().first] == ["households.csv line 2: the row has 11 fields, the header has 12"]
    # the head's own row is bad: no "no head" complaint on top
    assert run([HOUSEHOLD], [member(name=""), member(id_number=SPARE_IDS[1], relation="child")])[3] == [
        ("members.csv", 2, "name", "a value is required")
    ]


# ---- events --------------------------------------------------------------------------------


def test_the_example_event_against_the_stored_examples():
    assert run(events=[EVENT], context=stored_examples())[3] == []


@pytest.mark.parametrize(
    ("changes", "column", "reason"),
    [
        ({"household_id": "H099"}, "household_id", "no household H099 is stored"),
        ({"date": "2021-06-14"}, "date", "2021-06-14 is before the household was approved (2021-06-15)"),
        (
            {"kind": "death", "value": "", "id_number": "230523197705100113"},
            "id_number",
            "this person is not a member of household H010 on 2022-03-01",
        ),
        (
            {"kind": "care_level", "value": "full", "id_number": "230523198010101915"},
            "kind",
            "care_level events apply only to tekun households; H010 is dibao on 2022-03-01",
        ),
    ],
)
def test_event_refused_by_the_stored_registry(changes, column, reason):
    assert run(events=[{**EVENT, **changes}], context=stored_examples())[3] == [("events.csv", 2, column, reason)]


def test_events_accepted_by_the_stored_registry():
    rows = [
        {**EVENT, "kind": "death", "value": "", "id_number": "230523198212122028"},
        {**EVENT, "household_id": "H005", "kind": "care_level", "value": "full", "id_number": "230523195106301125"},
        {**EVENT, "household_id": "H009", "kind": "terminate", "value": "", "date": "2022-01-20"},
    ]
    _, _, events, problems = run(events=rows, context=stored_examples())
    assert (len(events), problems) == (3, [])


def test_clashing_events():
    death = {**EVENT, "kind": "death", "value": "", "id_number": "230523198212122028"}
    rows = [EVENT, {**EVENT, "value": "1600"}, death, {**death, "date": "2022-04-01"}, {**EVENT, "date": "2022-04-01"}]
    assert run(events=rows, context=stored_examples())[3] == [
        ("events.csv", 3, "kind", "a second income event on 2022-03-01 (the first is at line 2)"),
        ("events.csv", 5, "kind", "this person's death is already recorded (2022-03-01)"),
    ]


# ---- the problem log and the load's order --------------------------------------------------


def test_the_problem_log_counts_everything_and_shows_the_first():
    sunk: list[Problem] = []
    log = ProblemLog(shown=2, sink=sunk.append)
    load = RegistryLoad(example_context(), today=TODAY, problems=log)
    rows = [{**HOUSEHOLD, "household_id": f"H{n}", "area": "city"} for n in range(5)]
    assert list(load.households(csv_lines(rows))) == []
    assert load.finish() is log
    assert (log.count, len(log), bool(log), len(sunk)) == (5, 5, True, 5)
    assert log.messages() == [
        "households.csv line 2, column area: 'city' is not one of urban, rural",
        "households.csv line 3, column area: 'city' is not one of urban, rural",
        "… and 3 more problems not shown (5 in all)",
    ]
    assert log.refusal().messages == log.messages()


def test_a_problem_without_a_column_reads_well():
    assert str(Problem.in_file("m.csv", 7, None, "the row has 3 fields, the header has 11")) == (
        "m.csv line 7: the row has 3 fields, the header has 11"
    )


def test_members_cannot_be_read_before_households():
    load = RegistryLoad(example_context(), today=TODAY)
    list(load.members(csv_lines([member()])))
    with pytest.raises(RuntimeError, match="before the members file"):
        list(load.households(csv_lines([HOUSEHOLD])))


def test_two_files_cannot_be_read_at_once():
    load = RegistryLoad(example_context(), today=TODAY)
    households = load.households(csv_lines([HOUSEHOLD, household("H002")]))
    next(households)
    with pytest.raises(RuntimeError, match="while another file is being read"):
        next(load.members(csv_lines([member()])))
    with pytest.raises(RuntimeError, match="still being read"):
        load.finish()


def test_in_memory_context_answers():
    context = stored_examples()
    assert context.townships_of("230523") is not None and context.townships_of("110101") is None
    assert context.stored_program("H006") == "tekun" and context.stored_program("H100") is None
    assert context.households_of_people(["23052319491212101X", SPARE_IDS[0]]) == {"23052319491212101X": {"H004"}}
    assert context.household_approved_on("H009") == date(2022, 1, 20)
    assert set(context.stored_households(["H004", "H100"])) == {"H004"}
    account = context.households["H004"].household.bank_account
    assert context.households_of_accounts([account, "0000000000"]) == {account: {"H004"}}
