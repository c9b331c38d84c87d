"""Views are built and masked by the services for their reader; the commands print them and edit nothing.

The services are called directly, as another front end would call them, with an auditor, a preparer and no
user: only --json output for a role that may see personal data (admin, preparer, approver) carries id numbers
and bank accounts in full; tables are masked for everyone. A masked view holds no full number anywhere (its
repr shows every field, nested ones too). The commands' JSON is pinned byte for byte where it holds no date of
the run, and is exactly the view's `as_dict()` everywhere.
"""

from __future__ import annotations

import json
from datetime import date

import pytest
from beyond_helpers import pay_month, record_events
from cycle_helpers import COUNTY, allocate, approve, households_csv, load_example_registry, ok, run_cycle
from support import AUDITOR, EXAMPLES, PREPARER

from aidledger import db as dbmod
from aidledger.disbursement.cycles.service.show import cycle_view
from aidledger.disbursement.entitlement.service import explain_view
from aidledger.disbursement.entitlement.views import component_view
from aidledger.disbursement.recovery.service import receivable_list
from aidledger.disbursement.recovery.views import ReceivableView
from aidledger.disbursement.registry.service import household_view
from aidledger.masking import mask
from aidledger.render import emit_json

SPOUSE = "230523195903050525"  # H002's second member
H001_ACCOUNT, H001_HEAD, H001_CHILD = "6217000010000000011", "230523197705100113", "230523201206150318"
CORRECTED = "6217000010000001111"  # H001's account from 2022-02-20 on
NUMBERS = ({row["bank_account"] for row in households_csv().values()} | {CORRECTED}
           | {line.split(",")[1] for line in (EXAMPLES / "registry" / "members.csv").read_text(
               encoding="utf-8-sig").splitlines()[1:] if line})


@pytest.fixture
def march(county, tmp_path) -> int:
    """January and February paid; H002's spouse's death on 2022-01-10 recorded late and H001's account corrected;
    March run and approved, which makes a receivable for February. Returns March's cycle id."""
    load_example_registry(county)
    allocate(county, "200000.00")
    for month in ("2022-01", "2022-02"):
        pay_month(county, month, tmp_path)
    record_events(county, tmp_path, [f"H002,death,2022-01-10,,{SPOUSE}"])
    ok(county("registry", "account", "H001", "--account", CORRECTED, "--date", "2022-02-20", user=PREPARER))
    cycle_id = run_cycle(county, "2022-03")
    approve(county, cycle_id, "2022-03-05")
    return cycle_id


def read(db_url: str, build):
    database = dbmod.Database(db_url)
    try:
        with database.read() as session:
            return build(session)
    finally:
        database.dispose()


def leaked(view) -> set[str]:
    """The full numbers of the registry that appear anywhere in the view."""
    return {number for number in NUMBERS if number in repr(view)}


def line(view, household_id: str):
    return next(ln for ln in view.lines if ln.household_id == household_id)


MASKED_READS = [(AUDITOR, True), (None, True), (AUDITOR, False), (None, False), (PREPARER, False)]


@pytest.mark.parametrize(("reader", "as_json"), MASKED_READS)
def test_the_services_mask_for_readers_who_may_not_see_numbers(march, db_url, reader, as_json):
    cycle = read(db_url, lambda s: cycle_view(s, march, reader=reader, as_json=as_json))
    assert leaked(cycle) == set()
    h001 = line(cycle, "H001")
    assert (h001.bank_account, h001.head_id_number) == (mask(CORRECTED), mask(H001_HEAD))
    assert [c.id_number for c in h001.components] == [None, mask(H001_CHILD)] == [None, "230523********0318"]
    explained = read(db_url, lambda s: explain_view(s, "H001", "2022-03", reader=reader, as_json=as_json))
    assert leaked(explained) == set() and explained.components[1].id_number == "230523********0318"
    household = read(db_url, lambda s: household_view(s, "H001", date(2022, 3, 1), reader=reader, as_json=as_json))
    assert leaked(household) == set()
    assert household.bank_account == "621700*********1111" and household.members[0].id_number == mask(H001_HEAD)
    # The corrected account is an event's value: masked like the household's own.
    assert [(e.kind, e.value) for e in household.events] == [("bank_account", "621700*********1111")]


def test_the_services_give_a_preparer_the_numbers_in_json(march, db_url):
    cycle = read(db_url, lambda s: cycle_view(s, march, reader=PREPARER, as_json=True))
    h001 = line(cycle, "H001")
    assert (h001.bank_account, h001.head_id_number) == (CORRECTED, H001_HEAD)
    assert h001.components[1].id_number == H001_CHILD
    explained = read(db_url, lambda s: explain_view(s, "H001", "2022-03", reader=PREPARER, as_json=True))
    assert explained.components[1].id_number == H001_CHILD
    household = read(db_url, lambda s: household_view(s, "H001", date(2022, 3, 1), reader=PREPARER, as_json=True))
    assert household.bank_account == CORRECTED and household.members[0].id_number == H001_HEAD
    assert household.events[0].value == CORRECTED


def test_receivables_carry_no_numbers_and_are_typed(march, db_url):
    receivables = read(db_url, lambda s: receivable_list(s, COUNTY))
    assert [type(r) for r in receivables] == [ReceivableView]
    assert (receivables[0].household_id, receivables[0].month, receivables[0].reason) == ("H002", "2022-02", "death")
    assert leaked(receivables) == set()


def test_a_stored_component_comes_back_as_it_was_stored_but_for_the_mask():
    """What a cycle stores: Component.as_dict() and then the keys the cycle adds (here an instalment's)."""
    stored = {"kind": "temporary", "amount": "2000.00", "rule": "临时救助 第1期", "parameter": "temporary grant",
              "id_number": H001_HEAD, "month": "2022-05", "grant_id": 1, "instalment": 1}
    assert list(component_view(stored, lambda n: n).as_dict().items()) == list(stored.items())
    masked = component_view(stored, mask)
    assert masked.as_dict() == stored | {"id_number": "230523********0113"} and leaked(masked) == set()


def test_views_are_frozen(march, db_url):
    cycle = read(db_url, lambda s: cycle_view(s, march, reader=AUDITOR))
    with pytest.raises(AttributeError):
        line(cycle, "H001").bank_account = H001_ACCOUNT


@pytest.mark.parametrize("reader", [None, AUDITOR, PREPARER])
def test_the_commands_print_the_services_view_and_nothing_else(march, county, db_url, capsys, reader):
    """Each --json output is the view's as_dict() as emit_json writes it; each table shows the masked view's
    numbers, whoever reads."""
    services = {
        ("cycle", "show", str(march)): lambda s, j: cycle_view(s, march, reader=reader, as_json=j),
        ("explain", "H001", "--month", "2022-03"): lambda s, j: explain_view(s, "H001", "2022-03", reader=reader,
                                                                              as_json=j),
        ("registry", "show", "H001", "--on", "2022-03-01"): lambda s, j: household_view(
            s, "H001", date(2022, 3, 1), reader=reader, as_json=j),
    }
    for args, build in services.items():
        emit_json(read(db_url, lambda s: build(s, True)).as_dict())
        assert ok(county(*args, "--json", user=reader)) + "\n" == capsys.readouterr().out, args
        table = ok(county(*args, user=reader))
        assert {n for n in NUMBERS if n in table} == set(), args
    emit_json({"jurisdiction": COUNTY, "receivables": [r.as_dict() for r in read(
        db_url, lambda s: receivable_list(s, COUNTY))]})
    assert ok(county("recovery", "list", "--jurisdiction", COUNTY, "--json", user=reader)) + "\n" == \
        capsys.readouterr().out


def test_the_json_is_what_it_was(march, county):
    """Byte for byte, as the commands printed it before the views were typed."""
    assert ok(county("explain", "H001", "--month", "2022-03", "--json", user=AUDITOR)) == EXPLAINED_H001
    assert ok(county("recovery", "list", "--jurisdiction", COUNTY, "--json", user=AUDITOR)) == RECEIVABLES
    shown = json.loads(ok(county("cycle", "show", str(march), "--json", user=AUDITOR)))
    assert list(shown) == ["cycle", "jurisdiction", "month", "status", "count", "total", "by_program",
                           "by_township", "inputs", "history", "returns", "adjustments", "instalments", "lines",
                           "held", "held_total", "signoffs", "waiting", "findings", "open_findings"]
    h001 = next(ln for ln in shown["lines"] if ln["household_id"] == "H001")
    assert json.dumps(h001, ensure_ascii=False) == (
        '{"household_id": "H001", "program": "dibao", "area": "urban", "township": "230523100", "members": 3, '
        '"head_name": "王建国", "head_id_number": "230523********0113", "amount": "1242.00", '
        '"payee_name": "王建国", "bank_account": "621700*********1111", "components": ['
        '{"kind": "base", "amount": "1140.00", "rule": "补差: (标准 680.00 − 人均收入 900.00/3) × 3人 = 680.00×3 − '
        '900.00", "parameter": "dibao.standard_urban"}, '
        '{"kind": "addon", "amount": "102.00", "rule": "王子涵 符合加发条件 minor: 0.15 × 标准 680.00 (就高不重复)", '
        '"parameter": "dibao.addons[minor].rate", "name": "minor", "id_number": "230523********0318"}]}')
    assert shown["adjustments"] == [{"household_id": "H002", "month": "2022-02", "kind": "recovery",
                                     "amount": "816.00", "paid_before": "1032.00", "entitled": "216.00",
                                     "reason": "death"}]


EXPLAINED_H001 = """{
  "household_id": "H001",
  "program": "dibao",
  "month": "2022-03",
  "amount": "1242.00",
  "components": [
    {
      "kind": "base",
      "amount": "1140.00",
      "rule": "补差: (标准 680.00 − 人均收入 900.00/3) × 3人 = 680.00×3 − 900.00",
      "parameter": "dibao.standard_urban"
    },
    {
      "kind": "addon",
      "amount": "102.00",
      "rule": "王子涵 符合加发条件 minor: 0.15 × 标准 680.00 (就高不重复)",
      "parameter": "dibao.addons[minor].rate",
      "name": "minor",
      "id_number": "230523********0318"
    }
  ],
  "note": null,
  "track_origin": "渐退自批准月 2021-06 起算"
}"""

RECEIVABLES = """{
  "jurisdiction": "230523",
  "receivables": [
    {
      "id": "1",
      "household_id": "H002",
      "month": "2022-02",
      "program": "dibao",
      "amount": "816.00",
      "reason": "death",
      "detail": "2022-02 已发 1032.00, 按登记变更应发 216.00",
      "cycle": 3,
      "opening": null,
      "created_on": "2022-03-05",
      "recovered": "0.00",
      "outstanding": "816.00"
    }
  ]
}"""
