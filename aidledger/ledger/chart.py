"""The chart of accounts every jurisdiction's books start with, and the funds.

Pure data. Account names follow beancount's five roots so that the export is a
straight mapping; 净资产 (net position) is `Equity`, revenue is `Income`. Expense
accounts carry the national expenditure classification (政府收支分类科目) that a
policy file may restate; see docs/chart-of-accounts.md.
"""

from __future__ import annotations

from dataclasses import dataclass

from aidledger.codes import AccountType, values

ACCOUNT_TYPES = values(AccountType)

# Which side a balance normally sits on; trial balances and the export use it.
DEBIT_NORMAL = frozenset({AccountType.ASSET, AccountType.EXPENSE})

ROOT_OF_TYPE = {
    AccountType.ASSET: "Assets",
    AccountType.LIABILITY: "Liabilities",
    AccountType.NET_POSITION: "Equity",
    AccountType.REVENUE: "Income",
    AccountType.EXPENSE: "Expenses",
}


@dataclass(frozen=True)
class Fund:
    code: str
    name: str
    is_subsidy: bool  # one of the four 困难群众救助补助资金 levels


FUNDS: tuple[Fund, ...] = (
    Fund("central_subsidy", "中央困难群众救助补助资金", True),
    Fund("provincial_subsidy", "省级困难群众救助补助资金", True),
    Fund("city_subsidy", "市级困难群众救助补助资金", True),
    Fund("county_subsidy", "县级困难群众救助补助资金", True),
    Fund("working_funds", "工作经费", False),
    Fund("lottery_welfare", "福彩公益金", False),
)
FUND_CODES = frozenset(f.code for f in FUNDS)


@dataclass(frozen=True)
class AccountTemplate:
    name: str
    type: str
    title: str  # the Chinese name readers see
    classification: str | None = None  # 政府收支分类 expenditure code
    program_area: str | None = None  # the policy's classification key (dibao_urban, …)


STANDARD_CHART: tuple[AccountTemplate, ...] = (
    AccountTemplate("Assets:Treasury", "asset", "国库存款"),
    AccountTemplate("Assets:Receivable:Recovery", "asset", "应收追回款"),
    AccountTemplate("Liabilities:Payable:Beneficiaries", "liability", "应付救助对象款"),
    AccountTemplate("Liabilities:BankClearing", "liability", "银行代发在途款"),
    AccountTemplate("Liabilities:ReturnedPayments", "liability", "银行退回待处理款"),
    AccountTemplate("Equity:NetPosition", "net_position", "净资产"),
    AccountTemplate("Income:Allocations", "revenue", "补助资金收入"),
    AccountTemplate("Expenses:Allocations:Transferred", "expense", "对下级转移支付"),
    AccountTemplate("Expenses:Dibao:Urban", "expense", "城市最低生活保障金支出", "2081901", "dibao_urban"),
    AccountTemplate("Expenses:Dibao:Rural", "expense", "农村最低生活保障金支出", "2081902", "dibao_rural"),
    AccountTemplate("Expenses:Tekun:Urban", "expense", "城市特困人员救助供养支出", "2082101", "tekun_urban"),
    AccountTemplate("Expenses:Tekun:Rural", "expense", "农村特困人员救助供养支出", "2082102", "tekun_rural"),
    AccountTemplate("Expenses:LowIncome:Urban", "expense", "城市低收入单人户救助支出", "2081901", "low_income_urban"),
    AccountTemplate("Expenses:LowIncome:Rural", "expense", "农村低收入单人户救助支出", "2081902", "low_income_rural"),
    AccountTemplate("Expenses:Temporary", "expense", "临时救助支出", "2082001", "temporary"),
    AccountTemplate("Expenses:PriceSubsidy", "expense", "价格临时补贴支出", None, "price_subsidy"),
    AccountTemplate("Expenses:Heating", "expense", "取暖救助支出", None, "heating"),
    AccountTemplate("Expenses:PurchasedServices", "expense", "政府购买社会救助服务支出"),
    AccountTemplate("Expenses:Administration", "expense", "工作经费支出"),
)


def reserve_account_name(township_code: str) -> str:
    """The asset account holding a township's 临时救助备用金."""
    return f"Assets:Reserve:T{township_code}"


def reserve_account(township_code: str, township_name: str) -> AccountTemplate:
    return AccountTemplate(reserve_account_name(township_code), "asset", f"{township_name}临时救助备用金")


def account_type_of(name: str) -> str | None:
    """The type an account name's root implies, or None for a name outside the five roots."""
    root = name.split(":", 1)[0]
    for type_, type_root in ROOT_OF_TYPE.items():
        if type_root == root:
            return type_
    return None
