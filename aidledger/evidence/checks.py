"""`ledger verify`'s checks of the evidence chain: the seals' links, every sealed record, the protecting triggers.

1. The seals: numbered without gaps, each linked to the one before, its digest that of its keys and hashes, its
   link the HMAC under the chain key (so a seal rewritten, or the whole chain recomputed without the key, fails);
   the head names the last one.
2. Every record of every kind (kinds.py) against its seal: a record changed since it was sealed, one gone, one
   that no seal covers (written behind the application's back), each named by its kind and id.
3. Every cycle past draft against its seal: its frozen columns and each row of its sub-ledger (its lines at once,
   by their digest, when check_cycles took it in the same read; row by row when that differs).
4. Every protecting trigger in place, and on PostgreSQL enabled.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from itertools import repeat

from sqlalchemy import select
from sqlalchemy.orm import Session

from aidledger.problems import Problem

from .kinds import CYCLE, KINDS, expected_triggers
from .rows import GENESIS_MAC, ROW_HASH_HEX, hashes_of, rows_digest, seal_digest, seal_mac
from .service import LINE_TABLES, cycle_rows, kept_lines_digests, table_rows
from .tables import EvidenceHead, Seal

SHOWN = 20  # problems named per kind; the rest are counted

LABELS = {
    "journal_entries": "分录 entry", "policy_files": "政策文件 policy file",
    "registry_imports": "名册导入 registry import",
    "households": "家庭 household", "members": "成员 member", "registry_events": "名册变动 registry event",
    "registry_reviews": "复核 review", "cycle_transitions": "发放周期状态记录 cycle transition",
    "cycle_exports": "银行文件记录 bank file record", "signoffs": "审核审批签字 sign-off",
    "bank_returns": "退回 bank return",
    "openings": "期初导入 opening", "opening_funds": "期初资金 opening fund", "opening_reserves":
    "期初备用金 opening reserve", "opening_states": "期初状态 opening state", "receivables": "应收款 receivable",
    "receivable_parts": "应收款资金构成 receivable part", "recoveries": "追回 recovery",
    "reserve_cases": "备用金救助 reserve case", "reserve_replenishments": "备用金补足 replenishment",
    "reserve_replenished_cases": "补足所含救助 replenished case", "temporary_grants": "临时救助 temporary grant",
    "price_declarations": "价格补贴启动 price declaration", "users": "用户 user",
    "user_changes": "用户变更 user change",
    "bank_return_resolutions": "退回处理 return resolution", "reserve_documentations": "补办手续 documentation",
    "temporary_grant_approvals": "临时救助审批 grant approval", "opening_reversals": "期初冲销 opening reversal",
    "period_closes": "结账 period close", "match_lists": "比对名单 comparison list",
    "match_rows": "比对名单行 comparison list row", "match_findings": "比对发现 finding",
    "match_sightings": "比对复现 finding seen again", "match_resolutions": "比对处理 finding resolution",
    "jurisdictions": "行政区 jurisdiction", "funds": "资金 fund",
    "accounts": "科目 account", "townships": "乡镇 township", CYCLE: "发放周期 cycle", "cycles": "发放周期 cycle",
    "cycle_lines": "发放明细 cycle line", "cycle_tracks": "渐退状态 exit track", "cycle_held": "暂停发放 held line",
    "cycle_instalments": "临时救助分期 instalment", "cycle_reissues": "退回重发 reissue",
    "cycle_set_offs": "抵扣 set-off", "cycle_adjustments": "补发或扣减 adjustment",
}


def label(kind: str) -> str:
    return LABELS.get(kind, kind)


def _shown(key: object) -> str:
    return " / ".join(str(k) for k in key) if isinstance(key, tuple) else str(key)


@dataclass
class _Found:
    """Problems of one kind: the first SHOWN named, the rest counted."""

    kind: str
    problems: list[Problem]
    count: int = 0

    def add(self, entity: str, what: str, rule: str) -> None:
        self.count += 1
        if self.count <= SHOWN:
            self.problems.append(Problem(what, rule, entity=entity))

    def close(self) -> None:
        if self.count > SHOWN:
            self.problems.append(Problem(f"{label(self.kind)}: 另有 {self.count - SHOWN} 条记录同样不符 "
                                         f"({self.count - SHOWN} more records of this kind fail)", "verify.evidence"))


def check_evidence(session: Session) -> list[Problem]:
    from aidledger.db import CHAIN_KEY  # the Database that opened the session knows where the key is

    key_of_books: Callable[[bool], bytes] = session.info[CHAIN_KEY]
    problems: list[Problem] = []
    expected: dict[str, dict[object, tuple[str, int]]] = {}
    cycles: dict[int, tuple[dict, int]] = {}
    links = _Found("evidence", problems)
    seq, prev = 0, GENESIS_MAC
    for seal in _seals(session):
        seq += 1
        entity = f"seal {seal.seq}"
        if seal.seq != seq:
            links.add(entity, f"证据链序号不连续: 应为 {seq}, 实为 {seal.seq} (the seals skip from {seq - 1} to "
                              f"{seal.seq})", "verify.evidence_sequence")
            seq = seal.seq
        if seal.prev_mac != prev:
            links.add(entity, "与前一印记的链接不符 (its link to the seal before it does not match)",
                      "verify.evidence_link")
        digest = seal_digest(seal.keys, seal.hashes)
        mac = seal_mac(key_of_books(False), seal.prev_mac, seal.seq, seal.kind, seal.subject, seal.count, digest,
                       seal.sealed_at)
        keys = json.loads(seal.keys)
        if digest != seal.digest or mac != seal.mac or len(keys) != seal.count \
                or len(seal.hashes) != seal.count * ROW_HASH_HEX:
            links.add(entity, f"印记 {seal.seq} ({label(seal.kind)}) 已被改动或按其他密钥重算 (the seal was altered, "
                              "or recomputed without the chain key)", "verify.evidence_mac")
        prev = seal.mac
        sealed = dict(zip([tuple(k) if type(k) is list else k for k in keys],  # a key in JSON: a list, as a tuple
                          zip(hashes_of(seal.hashes), repeat(seal.seq))))
        if seal.kind == CYCLE:
            cycles[int(seal.subject)] = (sealed, seal.seq)
            continue
        of_kind = expected.setdefault(seal.kind, {})
        reference = any(k.table == seal.kind and k.how == "reference" for k in KINDS)
        for key, value in sealed.items():
            if key in of_kind and not reference:
                links.add(f"{seal.kind} {_shown(key)}", f"{label(seal.kind)} {_shown(key)} 被封存了两次 (sealed twice: "
                                                       f"seals {of_kind[key][1]} and {seal.seq})",
                          "verify.evidence_twice")
            of_kind[key] = value
    links.close()
    head = session.get(EvidenceHead, 1)
    if head is None or (head.seq, head.mac) != (seq, prev):
        problems.append(Problem(f"证据链头部记录与最后一个印记不符 (the evidence head names seal "
                                f"{head.seq if head else '—'}, the chain ends at seal {seq})", "verify.evidence_head"))
    for kind in KINDS:
        if seq == 0 and kind.how == "reference":
            continue  # a book never written: the reference rows its migrations seeded are sealed by its first write
        problems += _compare(kind.table, table_rows(session, kind), expected.get(kind.table, {}))
    problems += _check_cycles(session, cycles)
    problems += check_triggers(session)
    return problems


def _seals(session: Session) -> Iterator[Seal]:
    return iter(session.scalars(select(Seal).order_by(Seal.seq).execution_options(yield_per=1_000)))


def _compare(kind: str, rows: Iterable[tuple[object, str]], sealed: dict[object, tuple[str, int]],
             cycle: int | None = None) -> list[Problem]:
    """Each record of `rows` against its seal. In a cycle's content a key starts with the table of its row."""
    problems: list[Problem] = []
    found = _Found(kind, problems)

    def name(key: object) -> str:
        return f"{kind} {_shown(key)}" if cycle is None else f"cycle {cycle}: {_shown(key)}"

    def what(key: object) -> str:
        if cycle is None or not isinstance(key, tuple):
            return f"{label(kind)} {_shown(key)}"
        return f"发放周期 {cycle} 的{label(str(key[0]))} {_shown(key[1:])}"

    seen = set()
    for key, hash_ in rows:
        seen.add(key)
        record = sealed.get(key)
        if record is None:
            found.add(name(key), f"{what(key)} 不在证据链上: 它是绕过系统写入的 (no seal covers it: "
                                 "it was written behind the application's back)", "verify.unsealed")
        elif record[0] != hash_:
            found.add(name(key), f"{what(key)} 自第 {record[1]} 号印记封存后已被改动 (changed since "
                                 f"seal {record[1]} sealed it)", "verify.altered")
    for key, (_, seal_seq) in sealed.items():
        if key not in seen:
            found.add(name(key), f"{what(key)} 已被删除 (sealed by seal {seal_seq}, now gone)",
                      "verify.removed")
    found.close()
    return problems


def _check_cycles(session: Session, cycles: dict[int, tuple[dict, int]]) -> list[Problem]:
    problems: list[Problem] = []
    rows = session.connection().exec_driver_sql("SELECT id, status FROM cycles ORDER BY id").all()
    for cycle_id, status in rows:
        if cycle_id in cycles:
            sealed, _ = cycles.pop(cycle_id)
            problems += _compare(CYCLE, *_cycle_content(session, cycle_id, sealed), cycle_id)
        elif status != "draft":
            problems.append(Problem(f"发放周期 {cycle_id} 状态为 {status}, 却从未封存 (it left draft but no seal "
                                    "covers it)", "verify.unsealed", entity=f"cycle {cycle_id}"))
    for cycle_id, (_, seal_seq) in sorted(cycles.items()):
        problems.append(Problem(f"发放周期 {cycle_id} 已被删除 (sealed by seal {seal_seq}, now gone)", "verify.removed",
                                entity=f"cycle {cycle_id}"))
    return problems


def _is_line(key: object) -> bool:
    return isinstance(key, tuple) and bool(key) and key[0] in LINE_TABLES


def _cycle_content(session: Session, cycle_id: int, sealed: dict[object, tuple[str, int]]
                   ) -> tuple[Iterable[tuple[object, str]], dict[object, tuple[str, int]]]:
    """The cycle's rows to compare with its seal, and the sealed rows to compare them with.

    Its lines and held lines are left out of both when the digest of their hashes as they are now (check_cycles
    took it for the approval's: a read keeps it) is that of the sealed ones, in the same order: then each is as
    sealed, none is missing and none was added, and they need not be read and hashed again. Otherwise they are
    compared row by row (naming each that differs), and their digest kept for check_cycles."""
    known = kept_lines_digests(session)
    if known is not None and cycle_id in known:
        lines = {k: v for k, v in sealed.items() if _is_line(k)}
        if known[cycle_id] == rows_digest((k, h) for k, (h, _) in lines.items()):
            return cycle_rows(session, cycle_id, skip=LINE_TABLES), {k: v for k, v in sealed.items() if k not in lines}
    return _keeping_lines_digest(session, cycle_id, known), sealed


def _keeping_lines_digest(session: Session, cycle_id: int, known: dict[int, str] | None
                          ) -> Iterator[tuple[object, str]]:
    lines: list[tuple[tuple, str]] = []
    for key, hash_ in cycle_rows(session, cycle_id):
        if known is not None and key[0] in LINE_TABLES:
            lines.append((key, hash_))
        yield key, hash_
    if known is not None:
        known[cycle_id] = rows_digest(lines)


def check_triggers(session: Session) -> list[Problem]:
    """Every protecting trigger the schema should hold is there, on its table, refusing (and on PostgreSQL,
    enabled): dropping or disarming one is itself an alteration behind the application's back."""
    connection = session.connection()
    dialect = connection.dialect.name
    if dialect == "postgresql":
        found = {name: (table, enabled in ("O", "A"), "RAISE EXCEPTION" in (body or "")) for name, table, enabled, body
                 in connection.exec_driver_sql(
                     "SELECT t.tgname, c.relname, t.tgenabled, p.prosrc FROM pg_trigger t "
                     "JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_proc p ON p.oid = t.tgfoid "
                     "WHERE NOT t.tgisinternal")}
    else:
        found = {name: (table, True, "RAISE(ABORT" in (sql or "").upper().replace(" ", "")) for name, table, sql
                 in connection.exec_driver_sql("SELECT name, tbl_name, sql FROM sqlite_master WHERE type = 'trigger'")}
    problems = []
    for name, table in sorted(expected_triggers(dialect).items()):
        there = found.get(name)
        if there is None or there[0] != table:
            problems.append(Problem(f"保护表 {table} 的触发器 {name} 不见了 (the trigger guarding {table} is gone)",
                                    "verify.trigger", entity=f"trigger {name}"))
        elif not there[1]:
            problems.append(Problem(f"保护表 {table} 的触发器 {name} 已被停用 (the trigger guarding {table} is "
                                    "disabled)", "verify.trigger", entity=f"trigger {name}"))
        elif not there[2]:
            problems.append(Problem(f"保护表 {table} 的触发器 {name} 已不再拒绝改动 (the trigger guarding {table} no "
                                    "longer refuses)", "verify.trigger", entity=f"trigger {name}"))
    return problems
