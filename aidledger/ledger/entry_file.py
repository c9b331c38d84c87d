"""Reading a manual adjusting entry from a JSON file (`ledger post --file`).

Pure. The shape, with accounts named as in the chart (docs/chart-of-accounts.md):

    {"date": "2022-01-31", "jurisdiction": "230523",
     "description": "调整: 更正一月份科目", "reference": "调账-2022-001",
     "idempotency_key": "adj-2022-001", "fund_transfer": false,
     "lines": [{"account": "Expenses:Dibao:Urban", "fund": "central_subsidy", "debit": "100.00"},
               {"account": "Expenses:Dibao:Rural", "fund": "central_subsidy", "credit": "100.00"}]}

Every problem of the file is reported at once.
"""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

from aidledger.errors import Refusal

from .entries import EntryDraft, Line
from .money import MoneyError, parse_amount

_REQUIRED = ("date", "jurisdiction", "description", "lines")
_OPTIONAL = ("reference", "idempotency_key", "fund_transfer")
_LINE_KEYS = ("account", "fund", "debit", "credit")


def parse_entry_text(text: str, source: str) -> EntryDraft:
    try:
        data = json.loads(text, parse_float=Decimal)
    except json.JSONDecodeError as exc:
        raise Refusal(f"{source}: not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}") from None
    if not isinstance(data, dict):
        raise Refusal(f"{source}: an entry file holds one JSON object")
    problems: list[str] = []
    for key in sorted(set(data) - set(_REQUIRED) - set(_OPTIONAL)):
        problems.append(f"{source}: unknown key {key!r}; keys are {', '.join(_REQUIRED + _OPTIONAL)}")
    for key in _REQUIRED:
        if key not in data:
            problems.append(f"{source}: missing key {key!r}")
    entry_date = _date(data.get("date"), source, problems) if "date" in data else None
    texts = {}
    for key in ("jurisdiction", "description", "reference", "idempotency_key"):
        value = data.get(key)
        if value is not None and not isinstance(value, str):
            problems.append(f"{source}: {key} must be a string, got {value!r}")
        texts[key] = value if isinstance(value, str) else None
    fund_transfer = data.get("fund_transfer", False)
    if not isinstance(fund_transfer, bool):
        problems.append(f"{source}: fund_transfer must be true or false, got {fund_transfer!r}")
    lines = _lines(data.get("lines"), source, problems) if "lines" in data else []
    if problems:
        raise Refusal(problems)
    return EntryDraft(
        date=entry_date,
        jurisdiction=texts["jurisdiction"],
        description=texts["description"],
        lines=tuple(lines),
        reference=texts["reference"] or "",
        idempotency_key=texts["idempotency_key"] or None,
        kind="manual",
        fund_transfer=fund_transfer,
    )


def _date(value: object, source: str, problems: list[str]) -> date | None:
    try:
        if not isinstance(value, str) or len(value) != 10:
            raise ValueError
        return date.fromisoformat(value)
    except ValueError:
        problems.append(f"{source}: date {value!r} must be a date written YYYY-MM-DD")
        return None


def _lines(value: object, source: str, problems: list[str]) -> list[Line]:
    if not isinstance(value, list):
        problems.append(f"{source}: lines must be a list of objects")
        return []
    lines = []
    for n, item in enumerate(value, start=1):
        where = f"{source} line {n}"
        if not isinstance(item, dict):
            problems.append(f"{where}: a line is an object with account, fund and debit or credit")
            continue
        for key in sorted(set(item) - set(_LINE_KEYS)):
            problems.append(f"{where}: unknown key {key!r}; keys are {', '.join(_LINE_KEYS)}")
        account, fund = item.get("account"), item.get("fund")
        if not isinstance(account, str) or not account:
            problems.append(f"{where}: account must be an account name from the chart")
        if not isinstance(fund, str) or not fund:
            problems.append(f"{where}: fund must be a fund code")
        amounts = {}
        for side in ("debit", "credit"):
            raw = item.get(side, "0")
            try:
                amounts[side] = parse_amount(raw)
            except MoneyError as exc:
                problems.append(f"{where}: {side}: {exc}")
                amounts[side] = Decimal(0)
        if "debit" in item and "credit" in item:
            problems.append(f"{where}: a line has a debit or a credit, not both")
        elif "debit" not in item and "credit" not in item:
            problems.append(f"{where}: a line needs a debit or a credit")
        lines.append(Line(str(account), str(fund), amounts["debit"], amounts["credit"]))
    return lines
