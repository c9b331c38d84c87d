"""Reading the registry files: the examples, encodings, headers, row shapes and streaming."""

from __future__ import annotations

import io
import itertools
from datetime import date
from decimal import Decimal

import pytest
from registry_samples import (
    EXAMPLES,
    HOUSEHOLD,
    MEMBER,
    TODAY,
    csv_lines,
    example_context,
    household,
    problems_of,
    records_of,
)

from aidledger.disbursement.registry.csv_source import MAX_LINE_BYTES, open_registry_file, utf8_lines
from aidledger.disbursement.registry.load import RegistryLoad
from aidledger.disbursement.registry.readers import read_events, read_households, read_members
from aidledger.disbursement.registry.records import Event, Household, Member
from aidledger.errors import Refusal
from aidledger.idcard import check_character

HOUSEHOLD_COLUMNS = list(HOUSEHOLD)


def load_examples():
    load = RegistryLoad(example_context(), today=TODAY)
    with open_registry_file(EXAMPLES / "households.csv", "households.csv") as lines:
        households = {h.household_id: h for h in load.households(lines)}
    with open_registry_file(EXAMPLES / "members.csv", "members.csv") as lines:
        members = list(load.members(lines))
    problems = load.finish()
    return households, members, problems


def test_the_examples_load_without_problems():
    households, members, problems = load_examples()
    assert problems.messages() == []
    assert len(households) == 11
    assert len(members) == 23


def test_the_example_events_read_without_problems():
    with open_registry_file(EXAMPLES / "events.csv", "events.csv") as lines:
        items = list(read_events(lines, "events.csv", today=TODAY))
    assert items == [Event("H010", "income", date(2022, 3, 1), Decimal("1500"), None)]
    assert items[0].line == 2


def test_example_values():
    households, members, _ = load_examples()
    by_name = {member.name: member for member in members}
    assert households["H001"] == Household(
        household_id="H001",
        county="230523",
        township="230523100",
        area="urban",
        program="dibao",
        monthly_income=Decimal("900"),
        approved_on=date(2021, 6, 15),
        tier=None,
        income_type="variable",
        tekun_setting=None,
        payee_name="王建国",
        bank_account="6217000010000000011",
    )
    assert households["H001"].line == 2
    assert households["H006"].tekun_setting == "centralized"
    assert households["H006"].payee_name == "宝清县社会福利院"
    assert households["H005"].monthly_income is None
    assert households["H003"].monthly_income == Decimal("0")
    assert households["H009"].approved_on == date(2022, 1, 20)

    assert by_name["马玉梅"].birth_date == date(1978, 9, 2)  # no birth_date cell: taken from the id
    head_h003 = by_name["张德明"]
    assert (head_h003.household_id, head_h003.relation) == ("H003", "head")
    assert (head_h003.disability_grade, head_h003.disability_kind) == (1, "physical")
    parent_h004 = by_name["刘长福"]
    assert (parent_h004.relation, parent_h004.flags, parent_h004.id_number) == (
        "parent",
        ("serious_illness",),
        "23052319491212101X",
    )
    spouse_h007 = by_name["林秀珍"]
    assert (spouse_h007.relation, spouse_h007.single_person) == ("spouse", True)
    assert by_name["王建国"].single_person is False
    assert by_name["陈桂兰"].care_level == "semi"
    assert by_name["杨树林"].care_level == "full"
    assert by_name["郑小兰"].line == 24


# ---- encodings -------------------------------------------------------------------------------


def test_a_utf8_bom_is_accepted(tmp_path):
    path = tmp_path / "households.csv"
    path.write_bytes(b"\xef\xbb\xbf" + (EXAMPLES / "households.csv").read_bytes())
    with open_registry_file(path, "households.csv") as lines:
        items = list(read_households(lines, "households.csv", today=TODAY))
    assert problems_of(items) == []
    assert len(items) == 11


def test_a_bom_left_in_decoded_text_is_accepted():
    lines = csv_lines([HOUSEHOLD])
    lines[0] = "\ufeff" + lines[0]
    assert problems_of(read_households(lines, "households.csv", today=TODAY)) == []


def test_a_gbk_file_reads_as_its_utf8_twin(tmp_path):
    text = (EXAMPLES / "households.csv").read_text(encoding="utf-8")
    for encoding, name in (("gbk", "gb18030"), ("gb18030", "gb18030"), ("utf-8-sig", "utf-8")):
        path = tmp_path / f"households-{encoding}.csv"
        path.write_bytes(text.encode(encoding))
        with open_registry_file(path, "households.csv") as lines:
            items = list(read_households(lines, "households.csv", today=TODAY))
            assert lines.encoding == name
        with open_registry_file(EXAMPLES / "households.csv", "households.csv") as lines:
            assert records_of(items) == records_of(list(read_households(lines, "households.csv", today=TODAY)))
        assert problems_of(items) == []


def test_bad_bytes_further_down_end_the_file_with_one_problem():
    good = csv_lines([HOUSEHOLD])
    gbk_row = "H002,230523,230523100,urban,dibao,600,2021-06-15,,stable,,李秀英,6217000010000000029\n"
    data = "".join(good).encode() + gbk_row.encode("gbk")
    data += "".join(good[1:]).encode()
    items = list(read_households(utf8_lines(io.BytesIO(data), "h.csv"), "h.csv", today=TODAY))
    assert len(records_of(items)) == 1
    [problem] = problems_of(items)
    assert problem[:3] == ("h.csv", 3, None)
    assert problem[3].startswith("not UTF-8 (byte 0xc0 at offset ")


def test_a_utf16_file_is_refused_with_a_hint():
    data = "".join(csv_lines([HOUSEHOLD])).encode("utf-16")
    items = list(read_households(utf8_lines(io.BytesIO(data), "h.csv"), "h.csv", today=TODAY))
    reason = "the file is UTF-16, not UTF-8: save the file as UTF-8 (CSV UTF-8)"
    assert problems_of(items) == [("h.csv", 1, None, reason)]


def test_a_runaway_line_is_refused():
    data = b"household_id," + b"x" * (MAX_LINE_BYTES + 10)
    items = list(read_households(utf8_lines(io.BytesIO(data), "h.csv"), "h.csv", today=TODAY))
    reason = f"the line is longer than {MAX_LINE_BYTES} bytes: is this a CSV file?"
    assert problems_of(items) == [("h.csv", 1, None, reason)]


def test_a_missing_file_is_a_refusal(tmp_path):
    with pytest.raises(Refusal) as caught:
        with open_registry_file(tmp_path / "nope.csv", "households.csv"):
            pass
    assert caught.value.messages[0].startswith("households.csv: cannot be read: ")


def test_crlf_line_endings(tmp_path):
    path = tmp_path / "members.csv"
    path.write_bytes((EXAMPLES / "members.csv").read_bytes().replace(b"\n", b"\r\n"))
    with open_registry_file(path, "members.csv") as lines:
        items = list(read_members(lines, "members.csv", today=TODAY))
    assert problems_of(items) == []
    assert [m.line for m in items][-1] == 24


# ---- headers -------------------------------------------------------------------------------


def test_columns_in_any_order_and_optional_ones_absent():
    columns = list(reversed(HOUSEHOLD_COLUMNS))
    columns.remove("tier")
    items = list(read_households(csv_lines([HOUSEHOLD], columns), "households.csv", today=TODAY))
    assert problems_of(items) == []
    assert items[0].tier is None and items[0].household_id == "H001"


def test_unknown_column():
    lines = csv_lines([{**HOUSEHOLD, "phone": "123"}])
    assert problems_of(read_households(lines, "households.csv", today=TODAY)) == [
        (
            "households.csv",
            1,
            "phone",
            "unknown column 'phone'; columns are household_id, county, township, area, program, approved_on, "
            "payee_name, bank_account, monthly_income, tier, income_type, tekun_setting, shared_account",
        )
    ]


def test_missing_required_columns():
    columns = [c for c in HOUSEHOLD_COLUMNS if c not in ("bank_account", "payee_name")]
    assert problems_of(read_households(csv_lines([HOUSEHOLD], columns), "households.csv", today=TODAY)) == [
        ("households.csv", 1, "payee_name", "the header lacks this required column"),
        ("households.csv", 1, "bank_account", "the header lacks this required column"),
    ]


def test_a_repeated_column():
    columns = HOUSEHOLD_COLUMNS + ["county"]
    assert problems_of(read_households(csv_lines([HOUSEHOLD], columns), "households.csv", today=TODAY)) == [
        ("households.csv", 1, "county", "the column appears twice in the header")
    ]


def test_an_unnamed_column_from_a_trailing_comma():
    lines = csv_lines([HOUSEHOLD])
    lines[0] = lines[0].rstrip("\n") + ",\n"
    [problem] = problems_of(read_households(lines, "households.csv", today=TODAY))
    assert problem[:3] == ("households.csv", 1, None)
    assert problem[3].startswith("unknown column an unnamed column; columns are household_id")


def test_an_empty_file():
    assert problems_of(read_members([], "members.csv", today=TODAY)) == [
        (
            "members.csv",
            1,
            None,
            "the file is empty: it needs a header row (household_id,id_number,name,relation,birth_date,"
            "disability_grade,disability_kind,flags,care_level,single_person,death_date)",
        )
    ]


def test_the_header_alone_is_an_empty_load():
    assert list(read_members(csv_lines([MEMBER])[:1], "members.csv", today=TODAY)) == []


# ---- row shapes ----------------------------------------------------------------------------


def test_rows_with_the_wrong_number_of_fields():
    lines = csv_lines([HOUSEHOLD, HOUSEHOLD, HOUSEHOLD])
    lines[2] = lines[2].rstrip("\n") + ",extra\n"
    lines[3] = lines[3].split(",", 3)[0] + ",230523\n"
    assert problems_of(read_households(lines, "households.csv", today=TODAY)) == [
        ("households.csv", 3, None, "the row has 13 fields, the header has 12"),
        ("households.csv", 4, None, "the row has 2 fields, the header has 12"),
    ]


def test_an_unclosed_quote_is_reported_where_the_row_starts():
    lines = csv_lines([HOUSEHOLD, HOUSEHOLD, HOUSEHOLD])
    lines[2] = lines[2].replace("王建国", '"王建国')
    assert problems_of(read_households(lines, "households.csv", today=TODAY)) == [
        (
            "households.csv",
            3,
            None,
            "the row has 11 fields, the header has 12; it runs over lines 3–4: look for an unclosed quote",
        ),
    ]


def test_blank_rows_are_skipped_and_line_numbers_stay_physical():
    lines = csv_lines([HOUSEHOLD])
    lines += ["\n", ",,,,,,,,,,,\n", lines[1].replace("H001", "H002"), "\n"]
    items = list(read_households(lines, "households.csv", today=TODAY))
    assert [(h.household_id, h.line) for h in items] == [("H001", 2), ("H002", 5)]


def test_quoted_values_and_surrounding_spaces():
    row = {**HOUSEHOLD, "payee_name": "  王, 建国\u3000", "household_id": " H001 "}
    [household] = read_households(csv_lines([row]), "households.csv", today=TODAY)
    assert (household.household_id, household.payee_name) == ("H001", "王, 建国")


def test_a_carriage_return_inside_a_field():
    lines = csv_lines([HOUSEHOLD, HOUSEHOLD])
    lines[1] = lines[1].replace("王建国", "王\r建国")
    assert problems_of(read_households(lines, "households.csv", today=TODAY)) == [
        (
            "households.csv",
            2,
            None,
            "not valid CSV: a carriage return inside an unquoted field: save the file with ordinary line endings",
        )
    ]


# ---- streaming -----------------------------------------------------------------------------


def endless_members():
    """A members file that never ends: reading must not try to hold it."""
    yield csv_lines([MEMBER])[0]
    for n in itertools.count():
        first_17 = f"11010119900307{n % 1000:03d}"
        number = first_17 + check_character(first_17)
        yield f"H{n},{number},某人,head,,,,,,,\n"


def test_readers_stream():
    items = read_members(endless_members(), "members.csv", today=TODAY)
    first = list(itertools.islice(items, 5))
    assert [member.line for member in first] == [2, 3, 4, 5, 6]
    assert all(isinstance(member, Member) for member in first)


def test_a_load_streams_records_before_the_file_ends():
    households = (household(f"H{n}") for n in itertools.count())
    lines = itertools.chain(
        csv_lines([HOUSEHOLD])[:1],
        (csv_lines([row])[1] for row in households),
    )
    load = RegistryLoad(example_context(), today=TODAY)
    stream = load.households(lines)
    assert [h.household_id for h in itertools.islice(stream, 3)] == ["H0", "H1", "H2"]
    stream.close()
    assert not load.finish()
