"""`cycle diff`: the worked county's months against the month before, checked against expected.json's amounts
(issue 17's "what changed since last month"), and the comparison's own rules (cycles/diff.py) by property.
"""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from cycle_helpers import EXPECTED, MONTHS, D, allocate, approve, day, load_example_registry, ok, run_cycle
from hypothesis import given
from hypothesis import strategies as st
from support import AUDITOR, PREPARER, assert_refused

from aidledger.disbursement.cycles.diff import LEFT_REASONS, Paid, compare


def expected_amounts(month: str) -> dict[str, Decimal]:
    """expected.json's amounts of a month, the households it pays (a zero is not a payment)."""
    return {h: D(v) for h, v in EXPECTED[month].items() if D(v) > 0}


@pytest.fixture
def months(county):
    """The worked months run and approved in turn; their cycle ids."""
    load_example_registry(county)
    allocate(county)
    ids = {}
    for month in MONTHS:
        ids[month] = run_cycle(county, month)
        approve(county, ids[month], day(month, 5))
    return county, ids


def diff(run, cycle_id, user=PREPARER) -> dict:
    return json.loads(ok(run("cycle", "diff", str(cycle_id), "--json", user=user)))


def test_each_month_against_the_month_before_reconciles_to_the_cycles_totals(months):
    run, ids = months
    previous_total = None
    for n, month in enumerate(MONTHS):
        data = diff(run, ids[month])
        shown = json.loads(ok(run("cycle", "show", str(ids[month]), "--json", user=PREPARER)))
        lines = {line["household_id"]: D(line["amount"]) for line in shown["lines"]}
        r = data["reconciliation"]
        assert r["holds"] is True and D(r["total"]) == D(shown["total"])
        assert D(r["previous_total"]) + D(r["new"]) - D(r["left"]) + D(r["changed"]) == D(r["total"])
        if n == 0:
            assert data["previous"] is None and data["left"] == [] and data["changed"] == []
            assert {a["household_id"] for a in data["new"]} == set(lines)
        else:
            assert data["previous"] == str(ids[MONTHS[n - 1]]) and data["previous_month"] == MONTHS[n - 1]
            assert D(r["previous_total"]) == previous_total
            before = {line["household_id"]: D(line["amount"]) for line in json.loads(ok(run(
                "cycle", "show", str(ids[MONTHS[n - 1]]), "--json", user=PREPARER)))["lines"]}
            assert {a["household_id"] for a in data["new"]} == set(lines) - set(before)
            assert {x["household_id"] for x in data["left"]} == set(before) - set(lines)
            assert all(x["reason"] in LEFT_REASONS for x in data["left"])
            changed = {c["household_id"]: c for c in data["changed"]}
            for h in set(lines) & set(before):
                if lines[h] != before[h]:
                    c = changed[h]
                    assert (D(c["before"]), D(c["after"]), D(c["change"])) == (
                        before[h], lines[h], lines[h] - before[h])
                    # the parts that changed add up to the change
                    assert sum(D(p["after"]) - D(p["before"]) for p in c["parts"]) == lines[h] - before[h], c
            assert data["unchanged"] + len(data["changed"]) == len(set(lines) & set(before))
            # and what expected.json says of the two months
            now, then = expected_amounts(month), expected_amounts(MONTHS[n - 1])
            assert {a["household_id"] for a in data["new"]} == set(now) - set(then)
            assert {c["household_id"] for c in data["changed"] if D(c["change"])} == {
                h for h in set(now) & set(then) if now[h] != then[h]}
        previous_total = D(shown["total"])


def test_a_death_a_termination_and_a_new_household_are_said_as_such(months, tmp_path):
    """2022-04 after a head's death in a one-person household, a termination, and a household approved in April."""
    run, ids = months
    events = tmp_path / "events.csv"
    march = json.loads(ok(run("cycle", "show", str(ids["2022-03"]), "--json", user=PREPARER)))
    paid = [line["household_id"] for line in march["lines"]]
    ended = paid[0]
    events.write_text(f"household_id,kind,date,value\n{ended},terminate,2022-03-31,\n", encoding="utf-8")
    ok(run("registry", "events", str(events), user=PREPARER))
    april = run_cycle(run, "2022-04")
    data = diff(run, april)
    left = {x["household_id"]: x["reason"] for x in data["left"]}
    assert left[ended] == "terminated"
    assert data["reconciliation"]["holds"] is True
    text = ok(run("cycle", "diff", str(april), user=PREPARER))
    assert "终止救助" in text and "相符" in text and f"与第 {ids['2022-03']} 号批次（2022-03）相比" in text


def test_a_reader_outside_the_county_is_refused_and_an_unknown_cycle_too(months):
    run, ids = months
    assert_refused(run("cycle", "diff", "999", user=AUDITOR), "cycle 999")
    assert diff(run, ids["2022-01"], user=AUDITOR)["cycle"] == str(ids["2022-01"])


PAID = st.builds(lambda amount, members, base: (amount, members, base),
                 st.decimals(min_value=0, max_value=3000, places=2), st.integers(1, 6),
                 st.decimals(min_value=0, max_value=3000, places=2))
SIDE = st.dictionaries(st.sampled_from([f"H{n:03d}" for n in range(12)]), PAID, max_size=12)


def paid(household: str, amount: Decimal, members: int, base: Decimal) -> Paid:
    return Paid(household, "dibao", "230523100", members, amount,
                {("base", ""): base, ("rounding", ""): amount - base})


@given(SIDE, SIDE)
def test_the_comparison_puts_every_household_in_one_place_and_reconciles(before, after):
    previous = {h: paid(h, *v) for h, v in before.items()}
    current = {h: paid(h, *v) for h, v in after.items()}
    d = compare(previous, current, {})
    new, left, changed = ({a.household_id for a in d.arrived}, {x.household_id for x in d.left},
                          {c.household_id for c in d.changed})
    assert new == set(after) - set(before) and left == set(before) - set(after)
    assert changed | new | left <= set(before) | set(after) and not changed & (new | left)
    assert d.unchanged + len(changed) == len(set(before) & set(after))
    assert d.reconciliation.holds
    assert all(x.reason == "not_entitled" for x in d.left)
    for c in d.changed:
        assert sum((p.after - p.before for p in c.parts), Decimal("0")) == c.change


def test_every_reason_a_household_left_has_its_words():
    from aidledger.labels import LEFT_REASON_NAMES

    assert set(LEFT_REASON_NAMES) == set(LEFT_REASONS)
