"""The spec's worked county, through `explain --json`: every month of expected.json exactly."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from support import EXAMPLES, PREPARER

EXPECTED = json.loads((EXAMPLES / "expected.json").read_text(encoding="utf-8"))
MONTHS = [m for m in EXPECTED if m[:2] == "20"]
HOUSEHOLDS = [f"H{n:03d}" for n in range(1, 12)]


@pytest.fixture
def registry(county):
    registry = EXAMPLES / "registry"
    assert county("registry", "import", "--households", str(registry / "households.csv"),
                  "--members", str(registry / "members.csv"), user=PREPARER).exit_code == 0
    assert county("registry", "events", str(registry / "events.csv"), user=PREPARER).exit_code == 0
    return county


def explain(run, household, month):
    result = run("explain", household, "--month", month, "--json", user=PREPARER)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_explain_reproduces_expected_json_for_every_month(registry):
    for month in MONTHS:
        paid = {}
        for household in HOUSEHOLDS:
            data = explain(registry, household, month)
            total = sum(Decimal(c["amount"]) for c in data["components"])
            assert total == Decimal(data["amount"]), data  # components add up
            if data["amount"] != "0.00":
                paid[household] = data["amount"]
        assert paid == EXPECTED[month], month


def test_components_name_their_rule_and_member(registry):
    data = explain(registry, "H001", "2022-01")
    assert data["program"] == "dibao" and data["amount"] == "1242.00"
    kinds = [(c["kind"], c["amount"], c.get("name"), c.get("id_number")) for c in data["components"]]
    assert kinds == [("base", "1140.00", None, None), ("addon", "102.00", "minor", "230523201206150318")]
    assert all(c["rule"] and c["parameter"] for c in data["components"])


def test_gradual_exit_pays_february_amount_in_march(registry):
    data = explain(registry, "H010", "2022-03")
    assert [(c["kind"], c["amount"]) for c in data["components"]] == [("exit", "960.00")]


def test_an_unknown_household_is_a_refusal(registry):
    result = registry("explain", "H999", "--month", "2022-01")
    assert result.exit_code == 3 and "household H999 is not in the registry" in result.stderr


def test_readable_explain_masks_id_numbers(registry):
    result = registry("explain", "H001", "--month", "2022-01")
    assert "230523********0318" in result.stdout and "分类施保加发" in result.stdout
