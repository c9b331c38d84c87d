"""Malformed registry files of every kind produce problems, never an exception."""

from __future__ import annotations

import csv
import io

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from registry_samples import EVENT, HOUSEHOLD, MEMBER, TODAY, example_context

from aidledger.disbursement.registry.csv_source import utf8_lines
from aidledger.disbursement.registry.load import RegistryLoad
from aidledger.disbursement.registry.readers import read_events, read_households, read_members
from aidledger.disbursement.registry.records import Event, Household, Member
from aidledger.problems import Problem

READERS = [
    (read_households, list(HOUSEHOLD), Household, HOUSEHOLD),
    (read_members, list(MEMBER), Member, MEMBER),
    (read_events, list(EVENT), Event, EVENT),
]

# Cells that are nearly right, plus anything at all.
TRICKY = st.sampled_from(
    [
        "",
        " ",
        "\u3000",
        "0",
        "-0",
        "1e5",
        "NaN",
        "Infinity",
        "9" * 40,
        "0." + "0" * 40 + "1",
        "900.5",
        "2022-02-29",
        "2020-02-29",
        "0000-00-00",
        "9999-12-31",
        "23052319491212101x",
        "230523194912121019",
        "99999999999999999X",
        "000000000000000000",
        "yes",
        "head",
        "tekun",
        "dibao",
        "low_income",
        "care_level",
        "death",
        "income",
        "serious_illness;;veteran",
        "1",
        "5",
        '"',
        '""',
        "\x00",
        "\r",
        "\ufeff",
        "H001",
        "230523",
        "230523100",
        "6217000010000000011",
    ]
)
CELL = st.one_of(TRICKY, st.text(max_size=12), st.sampled_from(list(HOUSEHOLD.values()) + list(MEMBER.values())))


def assert_only_records_and_problems(items, record_type, source):
    previous = 0
    for item in items:
        if isinstance(item, Problem):
            assert item.source == source
            assert item.line >= 1 and isinstance(item.reason, str) and item.reason
            assert item.line >= previous  # file order
            previous = item.line
        else:
            assert isinstance(item, record_type)
            assert item.line >= 2 and item.line >= previous
            previous = item.line


@st.composite
def csv_files(draw):
    """A header that is usually right; rows of a good sample with up to three cells changed, or of any cells."""
    reader, columns, record_type, sample = draw(st.sampled_from(READERS))
    header = draw(
        st.one_of(
            st.just(columns),
            st.permutations(columns),
            st.lists(st.sampled_from(columns + ["extra", ""]), max_size=len(columns) + 2),
        )
    )
    rows = draw(
        st.lists(
            st.one_of(
                st.dictionaries(st.sampled_from(columns), CELL, max_size=3).map(
                    lambda changes: [{**sample, **changes}.get(c, "x") for c in header]
                ),
                st.lists(CELL, max_size=len(columns) + 3),
            ),
            max_size=8,
        )
    )
    out = io.StringIO()
    writer = csv.writer(out, lineterminator=draw(st.sampled_from(["\n", "\r\n"])))
    writer.writerow(header)
    writer.writerows(rows)
    lines = out.getvalue().splitlines(keepends=True)
    raw_lines = draw(st.lists(st.text(max_size=40), max_size=3))
    position = draw(st.integers(0, len(lines)))
    return reader, record_type, lines[:position] + raw_lines + lines[position:]


@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow])
@given(csv_files())
def test_malformed_rows_give_problems_not_exceptions(case):
    reader, record_type, lines = case
    assert_only_records_and_problems(list(reader(lines, "f.csv", today=TODAY)), record_type, "f.csv")


@settings(max_examples=300)
@given(st.sampled_from(READERS), st.binary(max_size=400), st.sampled_from([b"", b"\xef\xbb\xbf"]))
def test_random_bytes_give_problems_not_exceptions(reader_case, data, bom):
    reader, columns, record_type, _ = reader_case
    header = (",".join(columns) + "\n").encode()
    for content in (data, bom + header + data):
        items = list(reader(utf8_lines(io.BytesIO(content), "f.csv"), "f.csv", today=TODAY))
        assert_only_records_and_problems(items, record_type, "f.csv")
        lenient = content.decode("utf-8", errors="replace").splitlines(keepends=True)
        assert_only_records_and_problems(list(reader(lenient, "f.csv", today=TODAY)), record_type, "f.csv")


@settings(max_examples=100, suppress_health_check=[HealthCheck.too_slow])
@given(csv_files(), csv_files(), csv_files())
def test_a_whole_load_of_malformed_files_gives_problems_not_exceptions(first, second, third):
    load = RegistryLoad(example_context(), today=TODAY)
    for (reader, _, lines), read in zip((first, second, third), (load.households, load.members, load.events)):
        read_back = read(lines, "f.csv")
        for record in read_back.events if read == load.events else read_back:
            assert isinstance(record, (Household, Member, Event))
    log = load.finish()
    assert log.count >= len(log.first)
