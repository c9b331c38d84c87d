"""The 政府收支分类科目 (expenditure function classification) of each expense account of the chart (pure).

The chart (ledger/chart.py) states a code for the accounts that have exactly one; this table names every code's
title and adds the accounts the chart leaves without one. 价格临时补贴 and 取暖救助 are booked on one account each
for town and country, while the classification tells 其他城市生活救助 from 其他农村生活救助: the bridge splits them
by the area of the cycle lines that paid them (`BY_AREA`). Sources and choices: docs/chart-of-accounts.md,
"政府收支分类科目".
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from aidledger.ledger.chart import STANDARD_CHART

# 2022年政府收支分类科目, 支出功能分类, 类 208 社会保障和就业支出 (and 230 for transfers): the items the chart uses.
FUNCTION_NAMES: dict[str, str] = {
    "2080299": "其他民政管理事务支出",
    "2081901": "城市最低生活保障金支出",
    "2081902": "农村最低生活保障金支出",
    "2082001": "临时救助支出",
    "2082002": "流浪乞讨人员救助支出",
    "2082101": "城市特困人员救助供养支出",
    "2082102": "农村特困人员救助供养支出",
    "2082501": "其他城市生活救助",
    "2082502": "其他农村生活救助",
    "2089901": "其他社会保障和就业支出",
    "230": "转移性支出",
}

# Accounts whose one code the chart does not state.
_ADDED: dict[str, str] = {
    "Expenses:PurchasedServices": "2089901",
    "Expenses:Administration": "2080299",
    # The payer's side of an allocation passed down: the lower level books the function it spends it on.
    "Expenses:Allocations:Transferred": "230",
}

# Accounts carrying both town and country: (urban code, rural code).
BY_AREA: dict[str, tuple[str, str]] = {
    "Expenses:PriceSubsidy": ("2082501", "2082502"),
    "Expenses:Heating": ("2082501", "2082502"),
}
# The 款 (group) an area-split account falls under when part of it cannot be placed in town or country.
GROUP_OF_SPLIT = "20825"
GROUP_NAMES = {"20825": "其他生活救助（未分城乡）"}
# An expense account outside the chart (opened by hand) has no code: its spending is shown under this heading.
UNCLASSIFIED = ("", "未列分类科目")
# The name of a code a policy file restates that the table above does not hold.
RESTATED_NAME = "政策文件列明的科目"


@dataclass(frozen=True)
class Classified:
    """One expense account and the code (or, for an area-split account, the two codes) its spending goes to."""

    account: str
    title: str
    code: str | None  # None: split by area, see `area_codes`
    area_codes: tuple[str, str] | None = None


def classification_table(restated: Mapping[str, str] | None = None) -> dict[str, Classified]:
    """Every expense account of the chart with its code. `restated` is a policy's [classification] (program area
    → code, e.g. dibao_urban, or a programme for both areas, e.g. dibao): a code it names for an account's area
    replaces the national default, and one code for price subsidies or heating ends their split by area."""
    restated = restated or {}
    out = {}
    for template in STANDARD_CHART:
        if template.type != "expense":
            continue
        area = template.program_area or ""
        own = restated.get(area) or restated.get(area.rsplit("_", 1)[0]) if area else None
        if own:
            out[template.name] = Classified(template.name, template.title, own)
        elif template.name in BY_AREA:
            out[template.name] = Classified(template.name, template.title, None, BY_AREA[template.name])
        else:
            code = template.classification or _ADDED.get(template.name)
            out[template.name] = Classified(template.name, template.title, code)
    return out


ACCOUNT_CLASSIFICATION: dict[str, Classified] = classification_table()


def code_name(code: str) -> str:
    """The title of a code of the table (or of the group an unsplit remainder falls under)."""
    if not code:
        return UNCLASSIFIED[1]
    return FUNCTION_NAMES.get(code) or GROUP_NAMES.get(code) or RESTATED_NAME


def classified(account: str, title: str = "", table: Mapping[str, Classified] | None = None) -> Classified:
    """An account's classification; an account the chart does not know is unclassified."""
    found = (ACCOUNT_CLASSIFICATION if table is None else table).get(account)
    return found or Classified(account, title or UNCLASSIFIED[1], UNCLASSIFIED[0])
