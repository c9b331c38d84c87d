"""What the evidence chain seals, table by table, and how a write transaction finds what it added.

Pure data. Every record an auditor relies on is one of these kinds; `docs/ledger.md` ("Evidence") gives the
invariants record kind by record kind. How a transaction finds the rows it wrote (the first time it writes a
table, the sealer notes where that table stood; at commit it seals what lies beyond):

- `serial`: the key is one increasing integer: the new rows are those above the largest key at the start;
- `child`: rows that belong to a record of a serial `parent` (`group` names the column holding its id): the new
  rows are those whose parent is new in the same transaction;
- `keyset`: small tables whose rows are added later to an older record (a sign-off, a documentation): the new
  rows are the keys that were not there at the start;
- `reference`: the few rows that may change in place (a chart's account closed, a township renamed): each change
  is sealed as a new version of that row;
- the cycle: a draft is a proposal that a re-run replaces, so its lines become history when it leaves draft (it
  is approved or cancelled): its frozen columns and every row of its sub-ledger are sealed then, as one record.

Not sealed, because derived and recomputed by `ledger verify` from what is: `account_balances`, `ledger_head`,
`evidence_head`, a cycle's `status` (its last transition). `journal_lines` are sealed through their entry, whose
digest covers them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

How = Literal["serial", "child", "keyset", "reference"]


@dataclass(frozen=True)
class Kind:
    table: str
    key: tuple[str, ...]  # the columns naming one record (the primary key)
    how: How
    parent: str | None = None  # for `child`: the serial table whose new records these rows belong to
    group: str | None = None  # for `child`: the column holding the parent record's key


def _serial(table: str, key: str = "id") -> Kind:
    return Kind(table, (key,), "serial")


def _child(table: str, key: tuple[str, ...], parent: str, group: str) -> Kind:
    return Kind(table, key, "child", parent, group)


KINDS: tuple[Kind, ...] = (
    _serial("journal_entries", "seq"),
    _serial("policy_files"),
    _serial("registry_imports"),
    _child("households", ("household_id",), "registry_imports", "import_id"),
    _child("members", ("household_id", "id_number"), "registry_imports", "import_id"),
    _serial("registry_events"),
    _serial("registry_reviews"),
    _serial("cycle_transitions"),
    _serial("cycle_exports"),
    _serial("signoffs"),
    _serial("bank_returns"),
    _serial("openings"),
    _child("opening_funds", ("opening_id", "fund"), "openings", "opening_id"),
    _child("opening_reserves", ("opening_id", "township"), "openings", "opening_id"),
    _child("opening_states", ("opening_id", "household_id"), "openings", "opening_id"),
    _serial("receivables"),
    _child("receivable_parts", ("receivable_id", "fund"), "receivables", "receivable_id"),
    _serial("recoveries"),
    _serial("reserve_cases"),
    _serial("reserve_replenishments"),
    _child("reserve_replenished_cases", ("case_id",), "reserve_replenishments", "replenishment_id"),
    _serial("temporary_grants"),
    _serial("price_declarations"),
    Kind("users", ("name",), "keyset"),
    _serial("user_changes"),
    Kind("book_settings", ("name",), "keyset"),
    _serial("credentials"),
    _serial("writes"),
    _serial("verify_runs"),
    Kind("bank_return_resolutions", ("return_id",), "keyset"),
    Kind("reserve_documentations", ("case_id",), "keyset"),
    Kind("temporary_grant_approvals", ("grant_id",), "keyset"),
    Kind("opening_reversals", ("opening_id",), "keyset"),
    Kind("period_closes", ("jurisdiction_code", "month"), "keyset"),
    _serial("match_lists"),
    _child("match_rows", ("list_id", "line"), "match_lists", "list_id"),
    _serial("match_findings"),
    Kind("match_sightings", ("finding_id", "run_id"), "keyset"),
    Kind("match_resolutions", ("finding_id",), "keyset"),
    Kind("jurisdictions", ("code",), "reference"),
    Kind("funds", ("code",), "reference"),
    Kind("accounts", ("id",), "reference"),
    Kind("townships", ("code",), "reference"),
)
BY_TABLE = {kind.table: kind for kind in KINDS}

# A cycle, sealed whole when it leaves draft: these columns of its row, and every row of these tables.
CYCLE = "cycle"
CYCLE_COLUMNS = ("id", "jurisdiction_code", "month", "count", "total_fen", "inputs", "run_by", "run_at", "run_on")
CYCLE_TABLES: dict[str, tuple[str, ...]] = {
    "cycle_lines": ("household_id",),
    "cycle_tracks": ("household_id",),
    "cycle_held": ("household_id",),
    "cycle_instalments": ("grant_id", "number"),
    "cycle_reissues": ("return_id",),
    "cycle_set_offs": ("receivable_id",),
    "cycle_adjustments": ("id",),
}

# Tables whose rows never change once written (a trigger refuses UPDATE and DELETE, and on PostgreSQL TRUNCATE).
APPEND_ONLY = tuple(k.table for k in KINDS if k.how != "reference") + ("journal_lines", "evidence")
# A cycle's sub-ledger: never updated; deleted only while its cycle is a draft (a re-run replaces it).
DRAFT_ONLY = tuple(CYCLE_TABLES)


def expected_triggers(dialect: str) -> dict[str, str]:
    """Every protecting trigger the schema must hold, by name, with the table it guards (the names the migrations'
    append_only.py gives them)."""
    postgresql = dialect == "postgresql"
    suffixes = ((APPEND_ONLY, ("append_only", "no_truncate") if postgresql else ("no_update", "no_delete")),
                (DRAFT_ONLY, ("draft_only", "no_truncate") if postgresql else ("no_update", "draft_delete")),
                (("cycles",), ("guard", "status_follows", "no_truncate") if postgresql
                 else ("no_delete", "frozen", "status_follows")))
    return {f"{table}_{suffix}": table for tables, names in suffixes for table in tables for suffix in names}
