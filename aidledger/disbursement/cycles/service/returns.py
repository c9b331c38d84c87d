"""Which layout a returns file is in, for a cycle whose policy names its banks, and its rows as the books store them.

The bank is the one `--bank` names, else the one whose returns layout reads the file's titles row (if several do
and read it differently, `--bank` must say which). A file in aidledger's own columns (账号, 金额, 原因) is still read
as before. One file may hold rows of any bank of the cycle (a bank that returned nothing needs no file), and
booking it settles the cycle. The reason is stored as "<code>: <the bank's text>" (docs/cycles.md).
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from aidledger.disbursement.banks.layout import Bank
from aidledger.disbursement.banks.reader import BankReturnRow, header_fits, read_returns, rows_of, stored_reason
from aidledger.disbursement.cycles.bank_file import ReturnRow, parse_returns
from aidledger.disbursement.payments.tables import Cycle
from aidledger.errors import Refusal

from .bank_export import cycle_banks


def _fitting(banks: tuple[Bank, ...], data: bytes, source: str) -> list[tuple[Bank, list[list[str]]]]:
    fitting = []
    for bank in banks:
        if bank.returns is None:
            continue
        try:
            rows = rows_of(data, bank.returns.format, bank.returns.encoding, source)
        except Refusal:
            continue
        if header_fits(bank.returns, rows):
            fitting.append((bank, rows))
    return fitting


def _as_stored(rows: list[BankReturnRow]) -> list[ReturnRow]:
    return [ReturnRow(r.line, r.account, r.amount, stored_reason(r.code, r.reason), r.household_id) for r in rows]


def parse_bank_returns(session: Session, cycle: Cycle, data: bytes, source: str, bank_code: str | None
                       ) -> tuple[list[ReturnRow], list[str]]:
    """The rows of a returns file (with banks: in a bank's layout, reasons coded) or the problems."""
    banks, _ = cycle_banks(session, cycle)
    if not banks:
        if bank_code:
            raise Refusal(f"cycle {cycle.id}: the policy names no banks; --bank {bank_code} cannot be used")
        return parse_returns(_utf8(data, source), source)
    if bank_code:
        chosen = [b for b in banks if b.code == bank_code]
        if not chosen:
            raise Refusal(f"--bank {bank_code}: the policy's banks are " + ", ".join(f"{b.code} ({b.name})"
                                                                                     for b in banks))
        bank = chosen[0]
        if bank.returns is None:
            raise Refusal(f"bank {bank.name} ({bank.code}) has no returns layout in the policy ([bank.returns])")
        return _as_stored_or(read_returns(bank, rows_of(data, bank.returns.format, bank.returns.encoding, source),
                                          source))
    fitting = _fitting(banks, data, source)
    if not fitting:
        own = _own_columns(data, source)
        if own is not None:
            return own
        raise Refusal(f"{source}: its titles fit no bank's returns layout (" + ", ".join(
            f"{b.code}: {b.name}" for b in banks if b.returns) + "); name the bank with --bank")
    readings = [(bank, read_returns(bank, rows, source)) for bank, rows in fitting]
    first = readings[0][1]
    if any(reading != first for _, reading in readings[1:]):
        raise Refusal(f"{source}: the returns layouts of " + ", ".join(b.code for b, _ in readings)
                      + " all fit it and read it differently; name the bank with --bank")
    return _as_stored_or(first)


def _as_stored_or(reading: tuple[list[BankReturnRow], list[str]]) -> tuple[list[ReturnRow], list[str]]:
    rows, problems = reading
    return _as_stored(rows), problems


def _utf8(data: bytes, source: str) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise Refusal(f"{source}: not UTF-8 text (byte {exc.start}); save the file as UTF-8") from None


def _own_columns(data: bytes, source: str) -> tuple[list[ReturnRow], list[str]] | None:
    """aidledger's own returns columns, when the file is in them (None when it is not)."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None
    rows, problems = parse_returns(text, source)
    return None if problems and any(" line 1" in p or "empty" in p for p in problems) else (rows, problems)
