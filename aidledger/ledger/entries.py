"""Journal entries as plain immutable data, and the checks every entry must pass.

Pure: no database. The posting service resolves accounts and periods; what can be
decided from the entry alone is decided here, every problem collected at once.

Invariants (the ledger's promises, stated TigerBeetle-style):
  1. an entry has two or more lines, each with exactly one positive amount in whole fen;
  2. debits equal credits in every fund, unless the entry declares itself a transfer
     between funds, in which case debits equal credits over the whole entry;
  3. no line exceeds MAX_LINE_FEN.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from aidledger.problems import Problem

from .chart import FUND_CODES
from .money import MAX_LINE_FEN, format_amount, from_fen, to_fen

MAX_REFERENCE = 200  # characters of a reference or an idempotency key (the columns' width)
MAX_DESCRIPTION = 2000


@dataclass(frozen=True)
class Line:
    """One posting: an account of the entry's jurisdiction, a fund, a debit or a credit (yuan)."""

    account: str
    fund: str
    debit: Decimal = Decimal(0)
    credit: Decimal = Decimal(0)

    @property
    def debit_fen(self) -> int:
        return to_fen(self.debit)

    @property
    def credit_fen(self) -> int:
        return to_fen(self.credit)

    def reversed(self) -> Line:
        return Line(self.account, self.fund, debit=self.credit, credit=self.debit)


@dataclass(frozen=True)
class EntryDraft:
    """A journal entry before it is posted (no sequence number or hash yet)."""

    date: date
    jurisdiction: str
    description: str
    lines: tuple[Line, ...]
    reference: str = ""
    idempotency_key: str | None = None
    kind: str = "manual"
    fund_transfer: bool = False
    reverses: int | None = None  # sequence number of the entry this one reverses

    def content(self) -> dict[str, object]:
        """What the entry says, in a canonical form: the basis of idempotency and of the hash."""
        return {
            "date": self.date.isoformat(),
            "jurisdiction": self.jurisdiction,
            "description": self.description,
            "reference": self.reference,
            "kind": self.kind,
            "fund_transfer": self.fund_transfer,
            "reverses": self.reverses,
            "lines": [
                [ln.account, ln.fund, format_amount(ln.debit), format_amount(ln.credit)] for ln in self.lines
            ],
        }

    def digest(self) -> str:
        return sha256_json(self.content())


def sha256_json(obj: object) -> str:
    text = json.dumps(obj, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def check_entry(entry: EntryDraft, label: str = "entry") -> list[Problem]:
    """Every problem an entry has on its own, each naming the rule and the figures (`label` names the entry)."""
    problems: list[Problem] = []

    def found(rule: str, what: str, where: str = label, **figures: str) -> None:
        problems.append(Problem(what, rule, entity=where, figures=tuple(figures.items())))

    if len(entry.lines) < 2:
        found("entry.lines", f"an entry needs two or more lines, it has {len(entry.lines)}",
              lines=str(len(entry.lines)))
    if not entry.description.strip():
        found("entry.description", "the description is empty")
    for field_name, value, limit in (("description", entry.description, MAX_DESCRIPTION),
                                     ("reference", entry.reference, MAX_REFERENCE),
                                     ("idempotency key", entry.idempotency_key or "", MAX_REFERENCE)):
        if "\x00" in value:
            found("entry.text", f"the {field_name} contains a NUL character")
        if len(value) > limit:
            found("entry.text", f"the {field_name} has {len(value)} characters, at most {limit} are kept",
                  characters=str(len(value)), limit=str(limit))
    per_fund: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for n, line in enumerate(entry.lines, start=1):
        where = f"{label} line {n} ({line.account}, {line.fund})"
        if line.fund not in FUND_CODES:
            found("entry.fund", f"unknown fund {line.fund!r}; funds are {', '.join(sorted(FUND_CODES))}", where)
        try:
            debit, credit = line.debit_fen, line.credit_fen
        except ValueError as exc:
            found("entry.amount", str(exc), where)
            continue
        if debit < 0 or credit < 0 or (debit == 0) == (credit == 0):
            found("entry.one_side", "a line carries exactly one positive amount, "
                  f"got debit {format_amount(line.debit)} and credit {format_amount(line.credit)}", where,
                  debit=format_amount(line.debit), credit=format_amount(line.credit))
            continue
        if max(debit, credit) > MAX_LINE_FEN:
            found("entry.range", f"amount {format_amount(max(line.debit, line.credit))} is beyond the column's range "
                  f"(at most {format_amount(from_fen(MAX_LINE_FEN))} per line)", where,
                  amount=format_amount(max(line.debit, line.credit)), limit=format_amount(from_fen(MAX_LINE_FEN)))
        per_fund[line.fund][0] += debit
        per_fund[line.fund][1] += credit
    if problems:
        return problems
    total_debit = sum(d for d, _ in per_fund.values())
    total_credit = sum(c for _, c in per_fund.values())
    if total_debit != total_credit:
        debits, credits = format_amount(from_fen(total_debit)), format_amount(from_fen(total_credit))
        found("entry.balanced", f"unbalanced: debits {debits} ≠ credits {credits}", debits=debits, credits=credits)
    elif not entry.fund_transfer:
        for fund, (debit, credit) in sorted(per_fund.items()):
            if debit != credit:
                debits, credits = format_amount(from_fen(debit)), format_amount(from_fen(credit))
                found("entry.balanced_in_fund", f"unbalanced in fund {fund}: debits {debits} ≠ credits {credits} "
                      "(an entry moving money between funds must declare fund_transfer)",
                      fund=fund, debits=debits, credits=credits)
    return problems


def reversal_of(original: EntryDraft, seq: int, on: date, reason: str) -> EntryDraft:
    """The correcting entry that cancels a posted one: the same lines, sides swapped."""
    return EntryDraft(
        date=on,
        jurisdiction=original.jurisdiction,
        description=f"冲销第{seq}号分录: {reason}",
        lines=tuple(line.reversed() for line in original.lines),
        reference=original.reference,
        kind="reversal",
        fund_transfer=original.fund_transfer,
        reverses=seq,
    )
