"""The Chinese words readers see for the domain's codes, in one place.

Pure data. Pages, reports, bank files and the command line's readable output name programmes,
amount components, cycle statuses, funds and recovery reasons with these labels; the codes
(`dibao`, `central_subsidy`, `exit` …) stay internal. The tables are keyed by the codes' enums
(codes.py), whose members are their strings, so a code read back from the database finds its
label; tests/test_codes.py checks that every member of a labelled set has one. Full fund names
are the chart's (`ledger/chart.py`, FUNDS).
"""

from __future__ import annotations

from .codes import Area, ComponentKind, CycleStatus, EventKind, HandedOverStatus, MatchKind, MatchResolution, Program
from .ledger.chart import FUNDS

# Typed by `str` keys: callers look labels up with codes read back as plain strings.
# Programmes: the short name (tables, charts), the title (report headings), the payment's purpose (bank files).
PROGRAM_NAMES: dict[str, str] = {Program.DIBAO: "低保", Program.TEKUN: "特困", Program.LOW_INCOME: "低收入"}
PROGRAM_TITLES: dict[str, str] = {Program.DIBAO: "最低生活保障", Program.TEKUN: "特困人员救助供养",
                                  Program.LOW_INCOME: "低收入家庭单人户救助"}
PROGRAM_PAYMENTS: dict[str, str] = {Program.DIBAO: "最低生活保障金", Program.TEKUN: "特困人员救助供养金",
                                    Program.LOW_INCOME: "低收入单人户救助金"}

# The kinds of a monthly amount's components (cli.md), as `explain` and `cycle show` print them.
COMPONENT_NAMES: dict[str, str] = {
    ComponentKind.BASE: "基本保障金", ComponentKind.ADDON: "分类施保加发", ComponentKind.BASIC: "基本生活费",
    ComponentKind.CARE: "照料护理费", ComponentKind.SINGLE_PERSON: "单人户保障金", ComponentKind.EXIT: "渐退保障金",
    ComponentKind.PRICE_SUBSIDY: "价格临时补贴", ComponentKind.HEATING: "取暖救助", ComponentKind.TEMPORARY: "临时救助",
    ComponentKind.ARREARS: "补发", ComponentKind.ROUNDING: "取整", ComponentKind.RECOVERY: "追回抵扣",
}

CYCLE_STATUS_NAMES: dict[str, str] = {
    CycleStatus.DRAFT: "草稿（未审批）", CycleStatus.APPROVED: "已审批", CycleStatus.EXPORTED: "已交银行代发",
    CycleStatus.SETTLED: "已结算", CycleStatus.CANCELLED: "已撤销（作废）",
}

FUND_NAMES = {f.code: f.name for f in FUNDS}
FUND_SHORT_NAMES = {"central_subsidy": "中央补助", "provincial_subsidy": "省级补助", "city_subsidy": "市级补助",
                    "county_subsidy": "县级补助", "working_funds": "工作经费", "lottery_welfare": "福彩公益金"}

# What a registry event is, in the words of a civil-affairs office (`registry history`, pages).
EVENT_NAMES: dict[str, str] = {
    EventKind.INCOME: "收入变化", EventKind.INCOME_TYPE: "收入类型变更", EventKind.TIER: "分档变化",
    EventKind.DEATH: "死亡", EventKind.ADD_MEMBER: "成员增加", EventKind.REMOVE_MEMBER: "成员减少",
    EventKind.MOVE_MEMBER: "成员迁出", EventKind.HEAD: "户主变更", EventKind.DISABILITY: "残疾评定",
    EventKind.FLAGS: "特殊身份变更", EventKind.SINGLE_PERSON: "单人户认定", EventKind.CARE_LEVEL: "护理等级变化",
    EventKind.PAYEE: "收款人变更", EventKind.TOWNSHIP: "乡镇变更", EventKind.AREA: "城乡类别变更",
    EventKind.PROGRAM: "救助类别变更", EventKind.TEKUN_SETTING: "供养方式变更", EventKind.SUSPEND: "暂停发放",
    EventKind.RESUME: "恢复发放", EventKind.TERMINATE: "终止", EventKind.REAPPROVE: "重新审批纳入",
    EventKind.VOID: "撤销误录事件", EventKind.BANK_ACCOUNT: "更正收款账户", EventKind.MEMBER_JOINED: "成员迁入",
}

# Why a month was overpaid, for the receivables a cycle finds: the late events' kinds, as EVENT_NAMES says them.
# (`bank_account` and `payee` never make one: who is paid changes no amount.)
RECOVERY_REASONS: dict[str, str] = {
    kind: name for kind, name in EVENT_NAMES.items() if kind not in (EventKind.BANK_ACCOUNT, EventKind.PAYEE)
}



def recovery_reason(reason: str) -> str:
    """A receivable's stored reason (the late events' kinds, comma-separated) in the office's words: 死亡、收入变化."""
    return "、".join(RECOVERY_REASONS.get(kind, kind) for kind in reason.split(",") if kind)


# A 低保 household's standing handed over at a county's first month (opening load --states).
HANDED_OVER_NAMES: dict[str, str] = {HandedOverStatus.EXIT: "渐退", HandedOverStatus.ENDED: "已退出"}

# Where a household lives (the standard that applies), and its standing on a day (`registry list`).
AREA_NAMES: dict[str, str] = {Area.URBAN: "城镇", Area.RURAL: "农村"}
STANDING_NAMES: dict[str, str] = {"active": "在保", "suspended": "暂停发放", "terminated": "已终止",
                                  "not_yet": "未到批准日"}

# A household's and a member's terms (registry-format.md), as a household's page and its history name them.
REGISTRY_WORDS: dict[str, dict[str, str]] = {
    "relation": {"head": "户主", "spouse": "配偶", "child": "子女", "parent": "父母", "grandchild": "孙子女",
                 "other": "其他"},
    "income_type": {"stable": "收入稳定", "variable": "收入不稳定"},
    "tekun_setting": {"dispersed": "分散供养", "centralized": "集中供养"},
    "disability_kind": {"physical": "肢体", "visual": "视力", "hearing": "听力", "speech": "言语",
                        "intellectual": "智力", "mental": "精神", "multiple": "多重"},
    "flag": {"serious_illness": "重病患者", "disabled_veteran": "伤残军人", "martyr_family": "烈属",
             "veteran": "退役军人"},
    "yes_no": {"yes": "是", "no": "否", "": ""},
}
# The add-ons (加发) the example policies name, in the words of the policy documents; a county's own names show as the
# policy spells them.
ADDON_NAMES: dict[str, str] = {
    "elderly": "老年人", "minor": "未成年人", "severe_disability": "重度残疾人",
    "severe_disability_mental": "重度精神、智力残疾人", "serious_illness": "重病患者", "disabled_veteran": "伤残军人",
    "martyr_family": "烈属", "veteran": "退役军人",
}
# The other columns of an event (registry-format.md), in the words of the office.
EVENT_DETAIL_NAMES: dict[str, str] = {
    "name": "姓名", "relation": "关系", "birth_date": "出生", "disability_grade": "残疾等级",
    "disability_kind": "残疾类别", "flags": "特殊身份", "care_level": "护理等级", "single_person": "单人户",
    "payee_name": "收款人", "shared_account": "共用账户", "monthly_income": "月收入", "income_type": "收入类型",
    "tekun_setting": "供养方式", "tier": "分档"}

# Why a household paid last month is not paid this month (`cycle diff`, cycles/diff.py LEFT_REASONS).
LEFT_REASON_NAMES: dict[str, str] = {
    "death": "死亡", "terminated": "终止救助", "suspended": "暂停发放", "program": "救助类别变更",
    "income": "收入变化", "exit_ended": "渐退期满", "held": "暂缓发放（收款人已去世）", "not_entitled": "不再符合条件",
}

# Another department's list (数据比对): its kind, and how a finding against it was resolved.
MATCH_KIND_NAMES: dict[str, str] = {
    MatchKind.DEATH: "死亡/火化", MatchKind.PAYROLL: "财政供养", MatchKind.VEHICLE: "车辆",
    MatchKind.BUSINESS: "工商登记", MatchKind.OTHER: "其他",
}
MATCH_STATUS_NAMES: dict[str, str] = {
    "open": "待核实", MatchResolution.CONFIRMED: "已核实", MatchResolution.DISMISSED: "已排除",
}

# Why a bank could not credit a payment (退票), by the reason code a bank's returns layout maps its words to.
RETURN_REASON_NAMES: dict[str, str] = {"no_account": "账号不存在", "name_mismatch": "户名不符", "frozen": "账户冻结",
                                       "closed": "账户已销户", "other": "其他原因"}
