"""A county's own words for the registry's columns and values: 户编号 for household_id, 低保 for dibao.

Pure data and two small functions. Registries come out of the national civil-affairs system and out of clerks'
spreadsheets with Chinese headers and values; the readers (csv_source.read_rows) put every file through this one
mapping before any check, so the checks, the stored rows and the problems speak the codes of registry-format.md.
docs/registry.md lists the same table for the people who prepare the files.

- A header name is taken as it is when it is a column's code, else through HEADERS: one Chinese name may stand for
  different columns of different files (死亡日期 is `death_date` in members.csv and `date` in another department's
  list), so it names its candidates in order and the first the file's columns have wins.
- A value is taken as it is when it is a code; in a column with words (VALUES), a Chinese word becomes its code,
  ignoring surrounding spaces; `flags` maps each item of a list separated by ; ； 、 , or ，. An event's `value`
  is mapped by the column its kind changes (an `area` event's 城镇 is urban).
- Dates: Excel on a Chinese Windows writes 2022/3/1 in a CSV; 2022/3/1, 2022.3.1, 2022-3-1 and 2022年3月1日
  become 2022-03-01 (what is not a date stays as written, for the checks to refuse).
- Any word not in the tables stays as written: the checks then refuse it, naming the codes allowed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date

from aidledger.labels import EVENT_NAMES, FUND_NAMES, FUND_SHORT_NAMES, HANDED_OVER_NAMES

HEADERS: dict[str, tuple[str, ...]] = {
    # households.csv
    "户编号": ("household_id",), "家庭编号": ("household_id",), "户号": ("household_id",),
    "县区代码": ("county",), "区县代码": ("county",), "县代码": ("county",), "县（区）代码": ("county",),
    "乡镇代码": ("township",), "乡镇（街道）代码": ("township",), "街道代码": ("township",), "乡镇": ("township",),
    "城乡类别": ("area",), "城乡": ("area",), "地区类别": ("area",),
    "救助类别": ("program",), "保障类别": ("program",), "救助类型": ("program",),
    "家庭月收入": ("monthly_income",), "月收入": ("monthly_income",), "家庭月总收入": ("monthly_income",),
    "批准日期": ("approved_on",), "审批日期": ("approved_on",), "批准时间": ("approved_on",),
    "分档": ("tier",), "档次": ("tier",), "保障档次": ("tier",),
    "收入类型": ("income_type",), "收入类别": ("income_type",),
    "供养方式": ("tekun_setting",), "供养形式": ("tekun_setting",),
    "收款人": ("payee_name",), "收款人姓名": ("payee_name",), "户名": ("payee_name",), "账户名": ("payee_name",),
    "银行账号": ("bank_account",), "账号": ("bank_account",), "收款账号": ("bank_account",),
    "银行卡号": ("bank_account",), "卡号": ("bank_account",),
    "共用账户": ("shared_account",),
    # members.csv
    "身份证号": ("id_number",), "身份证号码": ("id_number",), "公民身份号码": ("id_number",),
    "证件号码": ("id_number",),
    "姓名": ("name",), "与户主关系": ("relation",), "关系": ("relation",),
    "出生日期": ("birth_date",), "残疾等级": ("disability_grade",), "残疾类别": ("disability_kind",),
    "特殊身份": ("flags",), "特殊标识": ("flags",), "护理等级": ("care_level",), "自理能力": ("care_level",),
    "单人户": ("single_person",), "死亡日期": ("death_date", "date"),
    # events.csv
    "事件类型": ("kind",), "变更类型": ("kind",), "变更事项": ("kind",),
    "日期": ("date",), "变更日期": ("date",), "生效日期": ("date",),
    "变更值": ("value",), "新值": ("value",), "值": ("value",), "原因": ("reason",), "说明": ("reason", "detail"),
    # opening files (opening.md) and other departments' lists (matching.md)
    "资金": ("fund",), "资金来源": ("fund",), "金额": ("amount",), "余额": ("amount",), "月份": ("month",),
    "状态": ("status",), "渐退开始日期": ("exit_started",), "渐退基数": ("exit_base",),
    "备注": ("detail", "reason"), "详情": ("detail",), "登记日期": ("date",), "入编日期": ("date",),
    "火化日期": ("date",),
}

VALUES: dict[str, dict[str, str]] = {
    "area": {"城镇": "urban", "城市": "urban", "城区": "urban", "农村": "rural", "乡村": "rural"},
    "program": {"低保": "dibao", "最低生活保障": "dibao", "城市低保": "dibao", "农村低保": "dibao",
                "特困": "tekun", "特困供养": "tekun", "特困人员": "tekun", "特困人员救助供养": "tekun",
                "低收入": "low_income", "低收入家庭": "low_income", "低收入单人户": "low_income"},
    "income_type": {"稳定": "stable", "收入稳定": "stable", "不稳定": "variable", "收入不稳定": "variable",
                    "变动": "variable"},
    "tekun_setting": {"分散": "dispersed", "分散供养": "dispersed", "集中": "centralized", "集中供养": "centralized"},
    "relation": {"户主": "head", "本人": "head", "配偶": "spouse", "妻子": "spouse", "丈夫": "spouse", "妻": "spouse",
                 "夫": "spouse", "子女": "child", "子": "child", "女": "child", "儿子": "child", "女儿": "child",
                 "父母": "parent", "父亲": "parent", "母亲": "parent", "孙子女": "grandchild", "孙子": "grandchild",
                 "孙女": "grandchild", "外孙子女": "grandchild", "外孙": "grandchild", "外孙女": "grandchild",
                 "其他": "other"},
    "disability_grade": {"一级": "1", "二级": "2", "三级": "3", "四级": "4", "1级": "1", "2级": "2", "3级": "3",
                         "4级": "4", "一": "1", "二": "2", "三": "3", "四": "4"},
    "disability_kind": {word + suffix: code for code, word in (
        ("physical", "肢体"), ("visual", "视力"), ("hearing", "听力"), ("speech", "言语"), ("intellectual", "智力"),
        ("mental", "精神"), ("multiple", "多重")) for suffix in ("", "残疾")},
    "care_level": {"全自理": "self", "自理": "self", "生活自理": "self", "半护理": "semi", "半自理": "semi",
                   "全护理": "full", "不能自理": "full", "完全不能自理": "full", "失能": "full"},
    # 否 is "not": the column left empty (a written `no` is refused, as the spec has it)
    "shared_account": {"是": "yes", "否": ""},
    "single_person": {"是": "yes", "否": ""},
    "kind": {**{name: kind for kind, name in EVENT_NAMES.items()},
             "收入": "income", "收入变更": "income", "去世": "death", "新增成员": "add_member",
             "成员增加": "add_member", "减少成员": "remove_member", "成员迁移": "move_member", "户主": "head",
             "残疾": "disability", "特殊身份": "flags", "单人户": "single_person", "护理等级": "care_level",
             "收款人": "payee", "乡镇": "township", "城乡类别": "area", "救助类别": "program",
             "供养方式": "tekun_setting", "暂停": "suspend", "恢复": "resume", "停保": "terminate",
             "退出": "terminate", "重新纳入": "reapprove", "撤销": "void", "分档": "tier",
             "收入类型": "income_type"},
    "fund": {**{name: code for code, name in FUND_NAMES.items()}, **{n: c for c, n in FUND_SHORT_NAMES.items()}},
    "status": {name: code for code, name in HANDED_OVER_NAMES.items()},
}
FLAGS = {"重病": "serious_illness", "重病患者": "serious_illness", "伤残军人": "disabled_veteran",
         "残疾军人": "disabled_veteran", "烈属": "martyr_family", "退役军人": "veteran"}
FLAG_SEPARATORS = re.compile(r"[;；、,，]")
# An event's `value` means what the column its kind changes means.
VALUE_BY_KIND = {"area": "area", "program": "program", "income_type": "income_type", "tekun_setting": "tekun_setting",
                 "care_level": "care_level", "single_person": "single_person"}
# Where an event's value says more than the column: a `single_person` event's value is yes or no.
EVENT_VALUES = {"single_person": {"是": "yes", "否": "no"}}
DATE_COLUMNS = frozenset({"approved_on", "birth_date", "death_date", "date", "exit_started"})
DATE_WRITTEN = re.compile(r"(\d{4})\s*(?:[/.\-]|年)\s*(\d{1,2})\s*(?:[/.\-]|月)\s*(\d{1,2})\s*日?")


def column_of(name: str, columns: Iterable[str]) -> str:
    """The column a header name stands for among `columns`: itself when it is one, else its first candidate the
    file has, else the name as written (for the header's check to refuse as unknown)."""
    allowed = tuple(columns)
    if name in allowed:
        return name
    return next((candidate for candidate in HEADERS.get(name, ()) if candidate in allowed), name)


def translated(values: dict[str, str]) -> dict[str, str]:
    """A row's values with the county's words turned into codes and its dates into YYYY-MM-DD (in place)."""
    for column, value in values.items():
        if not value:
            continue
        if column in DATE_COLUMNS:
            if len(value) != 10 or value[4] != "-" or value[7] != "-":
                values[column] = _date(value)
            continue
        if value.isascii():
            continue
        if column == "flags":
            values[column] = ";".join(FLAGS.get(item.strip(), item.strip())
                                      for item in FLAG_SEPARATORS.split(value) if item.strip())
        elif column in VALUES:
            values[column] = VALUES[column].get(value, value)
    if "value" in values and values["value"] and not values["value"].isascii():
        column = VALUE_BY_KIND.get(values.get("kind", ""), "")
        words = EVENT_VALUES.get(column) or VALUES.get(column)
        if words:
            values["value"] = words.get(values["value"], values["value"])
    return values


def _date(value: str) -> str:
    match = DATE_WRITTEN.fullmatch(value)
    if match is None:
        return value
    year, month, day = (int(part) for part in match.groups())
    try:
        return date(year, month, day).isoformat()
    except ValueError:
        return value  # 2022/2/30 is no day: refused as written
