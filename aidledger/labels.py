"""The Chinese words readers see for the domain's codes, in one place.

Pure data. Pages, reports, bank files and the command line's readable output name programmes,
amount components, cycle statuses, funds and recovery reasons with these labels; the codes
(`dibao`, `central_subsidy`, `exit` …) stay internal. Full fund names are the chart's
(`ledger/chart.py`, FUNDS).
"""

from __future__ import annotations

from .ledger.chart import FUNDS

# Programmes: the short name (tables, charts), the title (report headings), the payment's purpose (bank files).
PROGRAM_NAMES = {"dibao": "低保", "tekun": "特困", "low_income": "低收入"}
PROGRAM_TITLES = {"dibao": "最低生活保障", "tekun": "特困人员救助供养", "low_income": "低收入家庭单人户救助"}
PROGRAM_PAYMENTS = {"dibao": "最低生活保障金", "tekun": "特困人员救助供养金", "low_income": "低收入单人户救助金"}

# The kinds of a monthly amount's components (cli.md), as `explain` and `cycle show` print them.
COMPONENT_NAMES = {
    "base": "基本保障金", "addon": "分类施保加发", "basic": "基本生活费", "care": "照料护理费",
    "single_person": "单人户保障金", "exit": "渐退保障金", "price_subsidy": "价格临时补贴", "heating": "取暖救助",
    "temporary": "临时救助", "arrears": "补发", "rounding": "取整", "recovery": "追回抵扣",
}

CYCLE_STATUS_NAMES = {"draft": "草稿（未审批）", "approved": "已审批", "exported": "已交银行代发", "settled": "已结算",
                      "cancelled": "已撤销（作废）"}

FUND_NAMES = {f.code: f.name for f in FUNDS}
FUND_SHORT_NAMES = {"central_subsidy": "中央补助", "provincial_subsidy": "省级补助", "city_subsidy": "市级补助",
                    "county_subsidy": "县级补助", "working_funds": "工作经费", "lottery_welfare": "福彩公益金"}

# Why a month was overpaid, for the receivables a cycle finds (the late events' kinds).
RECOVERY_REASONS = {"death": "死亡", "terminate": "终止", "income": "收入变化", "tier": "分档变化",
                    "remove_member": "成员减少", "care_level": "护理等级变化"}

# A 低保 household's standing handed over at a county's first month (opening load --states).
HANDED_OVER_NAMES = {"exit": "渐退", "ended": "已退出"}
