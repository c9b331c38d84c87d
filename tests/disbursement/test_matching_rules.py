"""The cross-checks' pure rules (数据比对): which lists are in force on a run's day, which list rows are findings,
and how a list file's rows are checked. No database."""

from __future__ import annotations

from datetime import date

from aidledger.disbursement.matching.reading import EnglishHeader, check_row, repeated
from aidledger.disbursement.matching.rules import ListHit, StoredList, findings, in_force
from aidledger.disbursement.registry.csv_source import Row

D1 = date(2022, 3, 1)
TODAY = date(2022, 6, 30)


def every(kind: str) -> bool:
    return True


def test_death_lists_add_up_and_the_others_are_superseded_per_source():
    lists = [StoredList(1, "death", "殡仪馆", date(2022, 1, 31)), StoredList(2, "death", "殡仪馆", date(2022, 2, 28)),
             StoredList(3, "payroll", "财政局", date(2022, 1, 1)), StoredList(4, "payroll", "财政局", date(2022, 2, 1)),
             StoredList(5, "payroll", "人社局", date(2021, 12, 1)),
             StoredList(6, "vehicle", "车管所", date(2022, 3, 5))]
    assert [s.id for s in in_force(lists, date(2022, 3, 1))] == [1, 2, 4, 5]
    assert [s.id for s in in_force(lists, date(2022, 1, 15))] == [3, 5]


def test_a_death_before_the_first_day_is_a_finding_one_on_it_is_not():
    deaths = StoredList(1, "death", "火化名单", date(2022, 3, 10))
    before = ListHit(deaths, 2, date(2022, 2, 27), None)
    on_the_day = ListHit(deaths, 3, D1, None)
    undated = ListHit(deaths, 4, None, None)
    assert [f.hit.line for f in findings("马玉梅", [before, on_the_day, undated], D1, every, 0)] == [2, 4]
    assert findings("马玉梅", [before], D1, lambda kind: kind != "death", 0) == []


def test_vehicles_count_over_every_list_and_findings_wait_for_their_date():
    one = StoredList(1, "vehicle", "车管所", date(2022, 1, 1))
    two = StoredList(2, "vehicle", "农机站", date(2022, 1, 1))
    hits = [ListHit(one, 2, None, "捷达"), ListHit(two, 5, date(2021, 5, 1), "拖拉机"),
            ListHit(one, 3, date(2022, 4, 1), "新车")]  # registered after the month's first day
    [found] = findings("张三", hits, D1, every, 1)
    assert (found.kind, found.detail, found.hit.line) == ("vehicle", "捷达；拖拉机", 2)
    assert "名下车辆 2 辆，超过 1 辆" in found.reason
    assert findings("张三", hits, D1, every, 2) == []
    payroll = StoredList(3, "payroll", "财政局", date(2022, 2, 1))
    assert findings("张三", [ListHit(payroll, 2, date(2022, 3, 2), None)], D1, every, 0) == []
    assert findings("张三", [ListHit(payroll, 2, D1, "县教育局")], D1, every, 0)[0].reason.endswith(
        "为财政供养人员（2022-03-01起）：县教育局")


def test_rows_are_checked_and_chinese_headers_renamed():
    lines = EnglishHeader(["身份证号,姓名,死亡日期,备注\n", "x\n"])
    assert list(lines) == ["id_number,name,date,detail\n", "x\n"]
    good = check_row(Row(2, {"id_number": "230523197809020222", "name": "马玉梅", "date": "2022-02-27",
                             "detail": ""}), "d.csv", "death", D1, TODAY)
    assert not isinstance(good, list) and (good.on, good.detail) == (date(2022, 2, 27), None)
    bad = check_row(Row(3, {"id_number": "230523197809020223", "name": "", "date": "2022-03-02", "detail": ""}),
                    "d.csv", "death", D1, TODAY)
    assert [str(p) for p in bad] == [
        "d.csv line 3, column id_number: '230523197809020223': check character is 3, expected 2",
        "d.csv line 3, column name: the name is empty",
        "d.csv line 3, column date: '2022-03-02': a death on 2022-03-02 is after the list's date (2022-03-01)"]
    seen: dict[str, int] = {}
    assert repeated(good, seen, "d.csv", "death") is None
    again = check_row(Row(9, {"id_number": "230523197809020222", "name": "马玉梅", "date": "", "detail": ""}),
                      "d.csv", "death", D1, TODAY)
    assert "on the list twice (first at line 2)" in str(repeated(again, seen, "d.csv", "death"))
    assert repeated(again, {}, "d.csv", "vehicle") is None
