"""`registry import`, `registry events`, `registry show`, reviews: through the CLI, on every backend."""

from __future__ import annotations

import json
from datetime import date as date_

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support import AUDITOR, EXAMPLES, PREPARER, assert_refused, snapshot

REGISTRY = EXAMPLES / "registry"
HOUSEHOLDS, MEMBERS, EVENTS = (str(REGISTRY / n) for n in ("households.csv", "members.csv", "events.csv"))
H_HEADER = ("household_id,county,township,area,program,monthly_income,approved_on,tier,income_type,"
            "tekun_setting,payee_name,bank_account\n")
M_HEADER = ("household_id,id_number,name,relation,birth_date,disability_grade,disability_kind,flags,"
            "care_level,single_person,death_date\n")


def imported(county):
    result = county("registry", "import", "--households", HOUSEHOLDS, "--members", MEMBERS, user=PREPARER)
    assert result.exit_code == 0, result.output
    result = county("registry", "events", EVENTS, user=PREPARER)
    assert result.exit_code == 0, result.output
    return county


@pytest.fixture
def registry(county):
    return imported(county)


def show(run, household, on, user=PREPARER):
    result = run("registry", "show", household, "--on", on, "--json", user=user)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_the_example_registry_loads_and_show_reproduces_it(registry):
    h001 = show(registry, "H001", "2022-01-01")
    assert (h001["county"], h001["township"], h001["township_name"], h001["area"], h001["program"]) == (
        "230523", "230523100", "宝清镇", "urban", "dibao")
    assert (h001["monthly_income"], h001["approved_on"], h001["bank_account"]) == (
        "900.00", "2021-06-15", "6217000010000000011")
    assert [(m["name"], m["relation"], m["birth_date"]) for m in h001["members"]] == [
        ("王建国", "head", "1977-05-10"), ("马玉梅", "spouse", "1978-09-02"), ("王子涵", "child", "2012-06-15")]
    h004 = show(registry, "H004", "2022-01-01")
    assert h004["members"][3]["flags"] == ["serious_illness"]
    h007 = show(registry, "H007", "2022-01-01")
    assert h007["members"][1]["single_person"] is True and h007["members"][1]["disability_grade"] == 2


def test_show_reads_the_registry_as_of_a_day(registry):
    assert show(registry, "H010", "2022-02-28")["monthly_income"] == "400.00"
    march = show(registry, "H010", "2022-03-01")
    assert march["monthly_income"] == "1500.00"
    assert march["events"] == [{"date": "2022-03-01", "kind": "income", "value": "1500.00", "id_number": None}]


def test_readable_output_masks_and_json_masks_for_auditors(registry):
    readable = registry("registry", "show", "H001", "--on", "2022-01-01")
    assert "230523********0113" in readable.stdout and "230523197705100113" not in readable.stdout
    assert "621700*********0011" in readable.stdout
    audited = show(registry, "H001", "2022-01-01", user=AUDITOR)
    assert audited["members"][0]["id_number"] == "230523********0113"
    assert audited["bank_account"] == "621700*********0011"
    assert show(registry, "H001", "2022-01-01", user=None)["bank_account"] == "621700*********0011"


def test_reloading_identical_files_changes_nothing(registry):
    before = snapshot(registry.url)
    again = registry("registry", "import", "--households", HOUSEHOLDS, "--members", MEMBERS, user=PREPARER)
    assert again.exit_code == 0 and "nothing changed" in again.stdout
    assert registry("registry", "events", EVENTS, user=PREPARER).exit_code == 0
    assert snapshot(registry.url) == before


def test_dry_run_validates_and_stores_nothing(county):
    before = snapshot(county.url)
    result = county("registry", "import", "--households", HOUSEHOLDS, "--members", MEMBERS, "--dry-run",
                    user=PREPARER)
    assert result.exit_code == 0 and "dry run: valid, would store 11 households, 23 members" in result.stdout
    assert snapshot(county.url) == before


def test_files_with_a_header_alone_store_nothing_not_even_an_import(county, tmp_path):
    before = snapshot(county.url)
    households = write(tmp_path, "households.csv", H_HEADER)
    members = write(tmp_path, "members.csv", M_HEADER + "\n")
    result = county("registry", "import", "--households", households, "--members", members, user=PREPARER)
    assert result.exit_code == 0 and "stored nothing" in result.stdout, result.output
    events = write(tmp_path, "events.csv", "household_id,kind,date,value,id_number\n")
    result = county("registry", "events", events, user=PREPARER)
    assert result.exit_code == 0 and "stored nothing" in result.stdout, result.output
    assert snapshot(county.url) == before


def test_a_header_alone_is_still_checked(county, tmp_path):
    before = snapshot(county.url)
    households = write(tmp_path, "households.csv", "household_id,county_code\n")
    members = write(tmp_path, "members.csv", M_HEADER)
    assert_refused(county("registry", "import", "--households", households, "--members", members, user=PREPARER),
                   "households.csv line 1")
    assert snapshot(county.url) == before


def test_a_household_id_already_stored_is_refused(registry, tmp_path):
    h = write(tmp_path, "h.csv",
              H_HEADER + "H001,230523,230523100,urban,dibao,100,2021-06-15,,stable,,某人,6217000010000000999\n")
    m = write(tmp_path, "m.csv", M_HEADER + "H001,110101199003070011,某人,head,,,,,,,\n")
    before = snapshot(registry.url)
    assert_refused(registry("registry", "import", "--households", h, "--members", m, user=PREPARER),
                   "h.csv line 2, column household_id: H001 is already stored")
    assert snapshot(registry.url) == before


@pytest.mark.parametrize("households, members, fragments", [
    ("H100,230523,230523999,urban,dibao,100,2021-06-15,,stable,,甲,6217000010000000999\n",
     "H100,110101199003070011,甲,head,,,,,,,\n", ["h.csv line 2, column township"]),
    ("H100,230599,230599100,urban,dibao,100,2021-06-15,,stable,,甲,6217000010000000999\n",
     "H100,110101199003070011,甲,head,,,,,,,\n", ["h.csv line 2, column county"]),
    ("H100,230523,230523100,urban,dibao,100,2021-06-15,,stable,,甲,6217000010000000999\n",
     "H100,110101199003070012,甲,head,,,,,,,\n", ["m.csv line 2, column id_number", "check character"]),
    ("H100,230523,230523100,urban,dibao,100,2021-06-15,,stable,,甲,6217000010000000999\n",
     "H100,230523197705100113,甲,head,,,,,,,\n",
     ["m.csv line 2, column id_number", "an active member of stored household H001 from 2021-06-15"]),
    ("H100,230523,230523100,urban,dibao,100,2021-06-15,,stable,,甲,6217000010000000999\n",
     "H100,110101199003070011,甲,child,,,,,,,\n", ["head"]),
    ("H100,230523,230523100,urban,dibao,-5,2021-06-15,,stable,,甲,6217000010000000999\n",
     "H100,110101199003070011,甲,head,,,,,,,\n", ["h.csv line 2, column monthly_income"]),
])
def test_bad_rows_are_refused_with_file_line_column_and_nothing_is_stored(registry, tmp_path, households,
                                                                          members, fragments):
    h = write(tmp_path, "h.csv", H_HEADER + households)
    m = write(tmp_path, "m.csv", M_HEADER + members)
    before = snapshot(registry.url)
    assert_refused(registry("registry", "import", "--households", h, "--members", m, user=PREPARER), *fragments)
    assert snapshot(registry.url) == before


def test_events_for_unknown_households_or_members_are_refused(registry, tmp_path):
    path = write(tmp_path, "e.csv", "household_id,kind,date,value,id_number\n"
                                    "H999,income,2022-03-01,100,\n"
                                    "H001,death,2022-03-01,,110101199003070011\n"
                                    "H001,income,2020-01-01,100,\n")
    before = snapshot(registry.url)
    result = registry("registry", "events", path, user=PREPARER)
    assert_refused(result, "e.csv line 2, column household_id", "e.csv line 3, column id_number",
                   "e.csv line 4, column date")
    assert snapshot(registry.url) == before


def test_a_gbk_file_is_read_and_its_encoding_named(county, tmp_path):
    h = tmp_path / "h.csv"
    h.write_bytes(open(HOUSEHOLDS, encoding="utf-8").read().encode("gbk"))
    result = county("registry", "import", "--households", str(h), "--members", str(MEMBERS), user=PREPARER)
    assert result.exit_code == 0, result.output
    assert "read h.csv: GB18030 (GBK)" in result.stderr and "read members.csv: UTF-8" in result.stderr
    shown = county("registry", "show", "H001", "--json", user=PREPARER)
    assert "王建国" in shown.output


def test_a_bom_is_accepted(county, tmp_path):
    h = tmp_path / "h.csv"
    h.write_bytes(b"\xef\xbb\xbf" + open(HOUSEHOLDS, "rb").read())
    m = tmp_path / "m.csv"
    m.write_bytes(b"\xef\xbb\xbf" + open(MEMBERS, "rb").read())
    assert county("registry", "import", "--households", str(h), "--members", str(m), user=PREPARER).exit_code == 0


def test_importing_needs_a_preparer(county):
    before = snapshot(county.url)
    assert_refused(county("registry", "import", "--households", HOUSEHOLDS, "--members", MEMBERS, user=AUDITOR),
                   "to import the registry the role must be preparer")
    assert_refused(county("registry", "import", "--households", "/nonexistent.csv", "--members", MEMBERS,
                          user=PREPARER), "cannot be read")
    assert snapshot(county.url) == before


def test_a_county_without_a_loaded_policy_is_refused(books):
    # books has the jurisdictions but no policies: the county's townships are unknown.
    assert_refused(books("registry", "import", "--households", HOUSEHOLDS, "--members", MEMBERS, user=PREPARER),
                   "households.csv line 2, column county")


def test_reviews_fall_due_by_cadence_and_move_after_a_review(registry):
    due = json.loads(registry("registry", "reviews-due", "--jurisdiction", "230523", "--as-of", "2021-12-31",
                              "--json").stdout)["households"]
    variable = {d["household_id"]: d["due"] for d in due}
    assert variable == {"H001": "2021-12-15", "H004": "2021-12-15", "H007": "2021-12-15", "H010": "2021-12-15",
                        "H011": "2021-12-15"}
    assert registry("registry", "review", "H001", "--date", "2021-12-10", user=PREPARER).exit_code == 0
    later = json.loads(registry("registry", "reviews-due", "--jurisdiction", "230523", "--as-of", "2022-06-15",
                                "--json").stdout)["households"]
    dues = {d["household_id"]: d["due"] for d in later}
    assert dues["H001"] == "2022-06-10"  # half a year after its review
    assert dues["H002"] == "2022-06-15" and dues["H005"] == "2022-06-15"  # stable and 特困: yearly


def test_reviews_follow_the_registry_s_events(registry, tmp_path):
    """An income type changed by an event changes the cadence; a terminated household is not reviewed, and once
    approved again its next review counts from the reapproval."""
    events = write(tmp_path, "e.csv", "household_id,kind,date,value\nH002,income_type,2021-10-01,variable\n"
                                      "H001,terminate,2021-11-01,\nH004,terminate,2021-11-01,\n"
                                      "H004,reapprove,2021-11-20,\n")
    assert registry("registry", "events", events, user=PREPARER).exit_code == 0
    due = {d["household_id"]: d["due"] for d in json.loads(registry(
        "registry", "reviews-due", "--jurisdiction", "230523", "--as-of", "2021-12-31", "--json").stdout)["households"]}
    assert due["H002"] == "2021-12-15" and "H001" not in due and "H004" not in due
    later = {d["household_id"]: d["due"] for d in json.loads(registry(
        "registry", "reviews-due", "--jurisdiction", "230523", "--as-of", "2022-05-31", "--json").stdout)["households"]}
    assert later["H004"] == "2022-05-20"  # half a year after the reapproval


def test_the_dashboard_s_summary_of_reviews_due_agrees_with_the_whole_list(registry, tmp_path):
    """`reviews_due_summary` (the database counts and lists the first few; changed households judged apart) gives
    the count and the first households of `reviews_due`, for the county and for each township, on days around
    the cadences' ends."""
    from datetime import date

    from aidledger import db as dbmod
    from aidledger.disbursement.registry.service.reviews import reviews_due, reviews_due_summary
    from aidledger.disbursement.registry.tables import HouseholdRow

    events = write(tmp_path, "e.csv", "household_id,kind,date,value\nH002,income_type,2021-10-01,variable\n"
                                      "H001,terminate,2021-11-01,\nH004,terminate,2021-11-01,\n"
                                      "H004,reapprove,2021-11-20,\n")
    assert registry("registry", "events", events, user=PREPARER).exit_code == 0
    assert registry("registry", "review", "H003", "--date", "2021-12-10", user=PREPARER).exit_code == 0
    database = dbmod.Database(registry.url)
    seen = set()
    with database.read() as session:
        townships = {h.township for h in session.query(HouseholdRow)}
        for day in (date(2021, 12, 31), date(2022, 2, 28), date(2022, 5, 31), date(2022, 6, 10), date(2022, 12, 31)):
            every = reviews_due(session, "230523", day)
            seen.add(len(every))
            for township in (None, *sorted(townships)):
                wanted = [d for d in every if township is None or session.get(HouseholdRow, d.household_id).township
                          == township]
                for first in (1, 3, 50):
                    summary = reviews_due_summary(session, "230523", day, township=township, first=first)
                    assert summary.count == len(wanted)
                    assert list(summary.first) == wanted[:first]
    database.dispose()
    assert len(seen) > 1  # the days chosen move households in and out


@given(st.dates(min_value=date_(2000, 1, 1), max_value=date_(2099, 12, 31)), st.sampled_from([1, 3, 6, 12, 24]))
def test_the_latest_start_due_by_a_day_is_exact(as_of, months):
    from datetime import timedelta

    from dateutil.relativedelta import relativedelta

    from aidledger.disbursement.registry.reviews import latest_due_start

    start = latest_due_start(as_of, months)
    assert start + relativedelta(months=months) <= as_of < start + timedelta(days=1) + relativedelta(months=months)


CELLS = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=12)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(st.lists(CELLS, min_size=0, max_size=14), min_size=1, max_size=4))
def test_random_malformed_rows_are_refused_never_crash(county, tmp_path_factory, rows):
    folder = tmp_path_factory.mktemp("fuzz")
    body = "\n".join(",".join(cell.replace("\n", " ") for cell in row) for row in rows) + "\n"
    h = folder / "h.csv"
    h.write_text(H_HEADER + body, encoding="utf-8", errors="replace")
    m = folder / "m.csv"
    m.write_text(M_HEADER + body, encoding="utf-8", errors="replace")
    result = county("registry", "import", "--households", str(h), "--members", str(m), user=PREPARER)
    assert result.exit_code in (0, 3), result.output
    if result.exit_code == 3:
        assert result.stderr.startswith("error: ")


def test_households_read_in_chunks_equal_households_read_one_by_one(registry):
    from aidledger import db as dbmod
    from aidledger.disbursement.registry.store import load_household, load_households

    assert registry("registry", "events", EVENTS, user=PREPARER).exit_code == 0
    database = dbmod.Database(registry.url)
    try:
        with database.read() as session:
            ids = [f"H{n:03d}" for n in range(1, 12)]
            together = load_households(session, ids + ["H999"], chunk=4)  # chunks of 4, one unknown id
            assert sorted(together) == ids
            assert together == {h: load_household(session, h) for h in ids}
            assert together["H010"].events  # the example's income event came along
    finally:
        database.dispose()


@pytest.mark.parametrize("user, as_json", [(AUDITOR, True), (None, True), (PREPARER, False), (AUDITOR, False)])
def test_a_masked_id_number_never_stands_beside_a_full_birth_date(registry, user, as_json):
    """The mask hides exactly the id's eight digits of birth date: beside it a reader gets the birth year alone."""
    args = ["registry", "show", "H001", "--on", "2022-01-01"] + (["--json"] if as_json else [])
    result = registry(*args, user=user)
    assert result.exit_code == 0, result.output
    assert "1977-05-10" not in result.stdout and "19770510" not in result.stdout
    if as_json:
        members = json.loads(result.stdout)["members"]
        assert all(len(m["birth_date"]) == 4 and "*" in m["id_number"] for m in members)
    else:
        assert "1977" in result.stdout


def test_a_reader_who_sees_full_numbers_sees_full_birth_dates(registry):
    members = show(registry, "H001", "2022-01-01")["members"]
    assert [m["birth_date"] for m in members][0] == "1977-05-10" and "*" not in members[0]["id_number"]


def test_history_lists_every_event_with_its_id_date_and_recorder(registry):
    history = json.loads(registry("registry", "history", "H010", "--json", user=PREPARER).stdout)
    assert history["household_id"] == "H010" and history["loaded_by"] == PREPARER
    assert history["loaded_from"] == "households.csv, members.csv"
    events = history["events"]
    assert [(e["kind"], e["date"], e["value"]) for e in events] == [("income", "2022-03-01", "1500.00")]
    assert [e["date"] for e in events] == sorted(e["date"] for e in events)
    assert all(e["recorded_by"] == PREPARER and e["source"] == "events.csv" and e["voided"] is False
               for e in events)
    assert len({e["id"] for e in events}) == len(events)


def test_history_masks_for_readers_who_may_not_see_numbers(registry, tmp_path):
    death = write(tmp_path, "events.csv", "household_id,kind,date,value,id_number\n"
                                          "H002,death,2022-01-10,,230523195903050525\n")
    assert registry("registry", "events", death, user=PREPARER).exit_code == 0
    shown = json.loads(registry("registry", "history", "H002", "--json", user=PREPARER).stdout)["events"]
    assert [(e["kind"], e["id_number"]) for e in shown] == [("death", "230523195903050525")]
    for user in (AUDITOR, None):
        events = json.loads(registry("registry", "history", "H002", "--json", user=user).stdout)["events"]
        assert [e["id_number"] for e in events] == ["230523********0525"]
    table_ = registry("registry", "history", "H002", user=PREPARER)
    assert table_.exit_code == 0 and "编号" in table_.stdout and "230523195903050525" not in table_.stdout


def test_history_of_an_unknown_household_is_refused(registry):
    assert_refused(registry("registry", "history", "H999"), "household H999 is not in the registry")


def listed(run, *args, user=PREPARER):
    result = run("registry", "list", "--jurisdiction", "230523", *args, "--json", user=user)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)["households"]


def test_list_shows_the_county_as_of_a_day_and_filters(registry, tmp_path):
    everyone = listed(registry, "--on", "2022-01-01")
    assert len(everyone) == 11 and [h["household_id"] for h in everyone] == sorted(h["household_id"] for h in everyone)
    dibao = listed(registry, "--on", "2022-01-01", "--program", "dibao")
    assert dibao and all(h["program"] == "dibao" for h in dibao) and len(dibao) < len(everyone)
    h001 = next(h for h in everyone if h["household_id"] == "H001")
    assert (h001["head_name"], h001["head_id_number"], h001["status"]) == ("王建国", "230523197705100113", "active")
    ended = write(tmp_path, "events.csv", "household_id,kind,date,value,id_number\nH001,terminate,2022-02-01,,\n")
    assert registry("registry", "events", ended, user=PREPARER).exit_code == 0
    assert [h["household_id"] for h in listed(registry, "--on", "2022-03-01", "--status", "terminated")] == ["H001"]
    assert "H001" in [h["household_id"] for h in listed(registry, "--on", "2022-01-15", "--status", "active")]


def test_list_searches_by_id_name_or_full_id_number(registry):
    assert [h["household_id"] for h in listed(registry, "--search", "H00", "--on", "2022-01-01")][:2] == ["H001",
                                                                                                         "H002"]
    assert [h["household_id"] for h in listed(registry, "--search", "王建国", "--on", "2022-01-01")] == ["H001"]
    by_id = listed(registry, "--search", "230523201206150318", "--on", "2022-01-01")
    assert [h["household_id"] for h in by_id] == ["H001"]
    assert listed(registry, "--search", "no such person", "--on", "2022-01-01") == []


def test_list_masks_for_readers_who_may_not_see_numbers(registry):
    for user in (AUDITOR, None):
        h001 = next(h for h in listed(registry, "--on", "2022-01-01", user=user) if h["household_id"] == "H001")
        assert h001["head_id_number"] == "230523********0113" and h001["bank_account"] == "621700*********0011"
    table_ = registry("registry", "list", "--jurisdiction", "230523", "--on", "2022-01-01", user=PREPARER)
    assert table_.exit_code == 0 and "共 11 户" in table_.stdout and "230523197705100113" not in table_.stdout
    assert "低保" in table_.stdout and "在保" in table_.stdout and "dibao" not in table_.stdout


def test_list_of_an_unknown_jurisdiction_is_refused(registry):
    assert_refused(registry("registry", "list", "--jurisdiction", "239999"), "239999")
