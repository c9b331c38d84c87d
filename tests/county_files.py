"""The example registry as a county has it: one Excel workbook with Chinese headers and values, events as a CSV
saved by Excel on a Chinese Windows (GBK, dates as 2022/3/1). Written by openpyxl and Python's gb18030 codec,
from the CSV files of the spec's worked example, so a test can compare what both come to.

`python tests/county_files.py DIR` writes the demo's copies (aidledger/demo_data/宝清县救助对象名册.xlsx and
三月变动.csv); tests/test_demo.py checks they still hold the example registry.
"""

from __future__ import annotations

import csv
import sys
from datetime import date
from pathlib import Path

HOUSEHOLD_HEADERS = {"household_id": "户编号", "county": "县区代码", "township": "乡镇代码", "area": "城乡类别",
                     "program": "救助类别", "monthly_income": "家庭月收入", "approved_on": "批准日期", "tier": "分档",
                     "income_type": "收入类型", "tekun_setting": "供养方式", "payee_name": "收款人",
                     "bank_account": "银行账号", "shared_account": "共用账户"}
MEMBER_HEADERS = {"household_id": "户编号", "id_number": "身份证号", "name": "姓名", "relation": "与户主关系",
                  "birth_date": "出生日期", "disability_grade": "残疾等级", "disability_kind": "残疾类别",
                  "flags": "特殊身份", "care_level": "护理等级", "single_person": "单人户", "death_date": "死亡日期"}
EVENT_HEADERS = {"household_id": "户编号", "kind": "事件类型", "date": "日期", "value": "变更值",
                 "id_number": "身份证号", "name": "姓名", "relation": "与户主关系", "reason": "原因"}
WORDS = {
    "area": {"urban": "城镇", "rural": "农村"},
    "program": {"dibao": "低保", "tekun": "特困", "low_income": "低收入"},
    "income_type": {"stable": "收入稳定", "variable": "收入不稳定"},
    "tekun_setting": {"dispersed": "分散供养", "centralized": "集中供养"},
    "relation": {"head": "户主", "spouse": "配偶", "child": "子女", "parent": "父母", "grandchild": "孙子女",
                 "other": "其他"},
    "disability_kind": {"physical": "肢体", "visual": "视力", "hearing": "听力", "speech": "言语",
                        "intellectual": "智力", "mental": "精神", "multiple": "多重"},
    "care_level": {"self": "全自理", "semi": "半护理", "full": "全护理"},
    "single_person": {"yes": "是", "no": "否"}, "shared_account": {"yes": "是", "no": "否"},
    "flags": {"serious_illness": "重病患者", "disabled_veteran": "伤残军人", "martyr_family": "烈属",
              "veteran": "退役军人"},
    "kind": {"income": "收入变化", "death": "死亡", "add_member": "成员增加", "move_member": "成员迁出",
             "suspend": "暂停发放", "terminate": "终止"},
}
DATES = ("approved_on", "birth_date", "death_date", "date")
NUMBERS = ("monthly_income", "disability_grade")


def rows_of(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def county_value(column: str, value: str, *, cells: bool):
    """A value as the county writes it: Chinese words, real dates and numbers in a workbook (`cells`)."""
    if not value:
        return None if cells else ""
    if column == "flags":
        return "、".join(WORDS["flags"][item] for item in value.split(";"))
    if column in WORDS:
        return WORDS[column].get(value, value)
    if column in DATES:
        day = date.fromisoformat(value)
        return day if cells else f"{day.year}/{day.month}/{day.day}"
    if cells and column in NUMBERS:
        number = float(value)
        return int(number) if number.is_integer() else number
    return value


def write_workbook(out: Path, households: Path, members: Path, *, lookup_sheet: bool = True) -> Path:
    """The households on a sheet 家庭, the members on 成员 (and a hidden 代码表 a clerk keeps codes on)."""
    from openpyxl import Workbook

    book = Workbook()
    for sheet, path, headers in ((book.active, households, HOUSEHOLD_HEADERS),
                                 (book.create_sheet(), members, MEMBER_HEADERS)):
        sheet.title = "家庭" if headers is HOUSEHOLD_HEADERS else "成员"
        rows = rows_of(path)
        columns = [c for c in headers if c in rows[0]]
        sheet.append([headers[c] for c in columns])
        for row in rows:
            sheet.append([county_value(c, row[c], cells=True) for c in columns])
        for cell in sheet[1]:
            cell.number_format = "@"
        for column in ("id_number", "bank_account"):
            if column in columns:
                letter = sheet.cell(row=1, column=columns.index(column) + 1).column_letter
                for cell in sheet[letter]:
                    cell.number_format = "@"  # text, as a county sets it for id numbers
    if lookup_sheet:
        codes = book.create_sheet("代码表")
        codes.append(["乡镇代码", "乡镇"])
        codes.append(["230523100", "宝清镇"])
        codes.sheet_state = "hidden"
    book.save(out)
    return out


def write_gbk_events(out: Path, *events: Path) -> Path:
    """Events files as one CSV in GBK with Chinese headers and values, dates as Excel writes them."""
    rows = [row for path in events for row in rows_of(path)]
    columns = [c for c in EVENT_HEADERS if any(c in row for row in rows)]
    with out.open("w", encoding="gbk", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\r\n")
        writer.writerow([EVENT_HEADERS[c] for c in columns])
        for row in rows:
            writer.writerow([county_value(c, row.get(c, ""), cells=False) for c in columns])
    return out


if __name__ == "__main__":
    folder = Path(sys.argv[1])
    data = Path(__file__).resolve().parent.parent / "aidledger" / "demo_data"
    write_workbook(folder / "宝清县救助对象名册.xlsx", data / "households.csv", data / "members.csv")
    write_gbk_events(folder / "三月变动.csv", data / "events.csv")
