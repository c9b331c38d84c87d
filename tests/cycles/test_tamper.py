"""Alterations made behind the application's back: `ledger verify` exits 3 and names each record it finds altered.

One county's history is built through the CLI on each backend: users (one given another role and back), policies, a
registry with events and a review, allocations, a township reserve with emergency cases documented and replenished,
a closed month, a temporary grant, a price declaration, January paid, exported and settled with a bank return sent
back to its fund, February and March approved, the receivable March found (February paid a household whose head had
died) partly recovered. Each alteration then works on a copy of that database with an SQL client's powers: on SQLite
it drops the triggers in its way; on PostgreSQL it runs with `session_replication_role = replica`, so the triggers
stay in place and do not fire (the content checks alone must catch it). Dropping or disabling the triggers is itself
an alteration, and caught too.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from conftest import BACKENDS, PG_URL, Cli, PgServer
from cycle_helpers import (
    COUNTY,
    allocate,
    approve,
    export,
    load_example_registry,
    ok,
    run_cycle,
    scalar,
    settle,
    write_returns,
)
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from support import ADMIN, APPROVER, AUDITOR, EXAMPLE_POLICIES, PREPARER

from aidledger.idcard import check_character

T1 = "230523100"
PERSON = "23052319800101123" + check_character("23052319800101123")
H002_ACCOUNT = "6217000010000000029"
H002_HEAD = "230523195903050525"


def build(run: Cli, tmp: Path) -> None:
    ok(run("user", "add", ADMIN, "--role", "admin"))
    for name, role in ((PREPARER, "preparer"), (APPROVER, "approver"), (AUDITOR, "auditor")):
        ok(run("user", "add", name, "--role", role, user=ADMIN))
    ok(run("user", "role", AUDITOR, "approver", user=ADMIN))  # and back: two audited changes of a user
    ok(run("user", "role", AUDITOR, "auditor", user=ADMIN))
    ok(run("policy", "load", *[str(p) for p in EXAMPLE_POLICIES], user=ADMIN))
    load_example_registry(run)
    ok(run("registry", "review", "H001", "--date", "2021-12-10", user=PREPARER))
    allocate(run, "100000.00", "2021-12-01")
    ok(run("ledger", "close", "--jurisdiction", COUNTY, "--month", "2021-11", user=APPROVER))
    ok(run("reserve", "advance", "--township", T1, "--amount", "30000.00", "--date", "2022-01-05", user=PREPARER))
    for amount, on in (("600.00", "2022-01-07"), ("500.00", "2022-01-08")):
        ok(run("reserve", "pay", "--township", T1, "--id-number", PERSON, "--name", "张三", "--amount", amount,
               "--date", on, "--reason", "火灾", user=PREPARER))
    ok(run("reserve", "document", "2", "--date", "2022-01-20", user=PREPARER))
    ok(run("reserve", "replenish", "--township", T1, "--date", "2022-01-21", user=PREPARER))
    jan = run_cycle(run, "2022-01")
    approve(run, jan, "2022-01-05")
    export(run, jan, tmp / "jan-bank.csv", "2022-01-06")
    settle(run, jan, write_returns(tmp / "jan-returns.csv", [(H002_ACCOUNT, "1032.00", "账户已销户")]), "2022-01-10")
    ok(run("cycle", "cancel-return", "1", "--reason", "户主已去世", "--date", "2022-01-12", user=APPROVER))
    grant = ok(run("temporary", "grant", "--household", "H003", "--total", "900", "--instalments", "3",
                   "--first-month", "2022-03", "--reason", "住院", user=PREPARER))
    ok(run("temporary", "approve", grant, "--date", "2022-01-25", user=APPROVER))
    ok(run("subsidy", "declare", "--jurisdiction", "230500", "--month", "2022-04", "--cpi", "4", "--food", "1",
           user=PREPARER))
    feb = run_cycle(run, "2022-02")
    approve(run, feb, "2022-02-05")
    (tmp / "late.csv").write_text(f"household_id,kind,date,value,id_number\nH002,death,2022-01-10,,{H002_HEAD}\n",
                                  encoding="utf-8")
    ok(run("registry", "events", str(tmp / "late.csv"), user=PREPARER))
    march = run_cycle(run, "2022-03")  # finds February's payment to H002, who had died: a receivable
    approve(run, march, "2022-03-05")
    ok(run("recovery", "record", "1", "--amount", "100", "--date", "2022-03-10", user=PREPARER))
    ok(run("ledger", "verify"))


@dataclass
class Built:
    backend: str
    url: str
    clone: Callable[[str], str]
    facts: dict[str, object] = field(default_factory=dict)


@pytest.fixture(scope="module")
def builds(templates, tmp_path_factory):
    """backend → its built county (built on first use), with a way to copy it."""
    made: dict[str, Built] = {}
    servers: list[PgServer] = []

    def get(backend: str) -> Built:
        if backend in made:
            return made[backend]
        tmp = tmp_path_factory.mktemp(f"tamper-{backend}")
        url = templates[backend]()
        build(Cli(url), tmp)
        counter = iter(range(1, 10**6))
        if backend == "sqlite":
            source = Path(make_url(url).database)

            def clone(name: str) -> str:
                target = tmp / f"copy{next(counter)}.db"
                shutil.copyfile(source, target)
                return f"sqlite:///{target}"
        else:
            server = PgServer(PG_URL)
            servers.append(server)
            template = make_url(url).database

            def clone(name: str) -> str:
                return server.create(f"{template}_c{next(counter)}", template=template)
        made[backend] = Built(backend, url, clone, {name: scalar(url, q) for name, q in FACTS.items()})
        return made[backend]

    yield get
    for server in servers:
        server.drop_all()


FACTS = {
    "last_entry": "SELECT max(seq) FROM journal_entries",
    "jan": "SELECT min(id) FROM cycles",
    "feb": "SELECT min(id) + 1 FROM cycles",
    "policy": "SELECT max(id) FROM policy_files WHERE jurisdiction_code = '230523'",
    "death_event": "SELECT max(id) FROM registry_events WHERE kind = 'death'",
    "first_event": "SELECT min(id) FROM registry_events",
    "next_event": "SELECT max(id) + 1 FROM registry_events",
    "transition": "SELECT min(id) FROM cycle_transitions WHERE status = 'approved'",
    "export": "SELECT min(id) FROM cycle_exports",
    "signoff": "SELECT min(id) FROM signoffs",
    "return": "SELECT min(id) FROM bank_returns",
    "case": "SELECT min(id) FROM reserve_cases",
    "receivable": "SELECT min(id) FROM receivables",
    "recovery": "SELECT min(id) FROM recoveries",
    "grant": "SELECT min(id) FROM temporary_grants",
    "declaration": "SELECT min(id) FROM price_declarations",
    "review": "SELECT min(id) FROM registry_reviews",
    "import": "SELECT min(id) FROM registry_imports",
    "opening_account": "SELECT min(id) FROM accounts WHERE jurisdiction_code = '230523'",
    "h001_head": "SELECT id_number FROM members WHERE household_id = 'H001' AND relation = 'head'",
    "last_seal": "SELECT max(seq) FROM evidence",
    "last_user_change": "SELECT max(id) FROM user_changes",
    "last_write": "SELECT max(id) FROM writes",
    "policy_680": "SELECT max(id) FROM policy_files WHERE text LIKE '%680%'",
    "h001_line_cycle": "SELECT min(cycle_id) FROM cycle_lines WHERE household_id = 'H001'",
}


@dataclass(frozen=True)
class Alteration:
    name: str
    statements: tuple[str, ...]  # SQL, formatted with the facts
    drops: tuple[str, ...]  # the SQLite triggers that stand in its way
    names: tuple[str, ...]  # what verify's refusal must say (formatted with the facts)
    only: str | None = None  # a backend, when the alteration exists on one only


def _a(name, statements, drops, *names, only=None) -> Alteration:
    return Alteration(name, tuple([statements] if isinstance(statements, str) else statements), tuple(drops),
                      names, only)


ALTERATIONS = [
    _a("an entry's description", "UPDATE journal_entries SET description = 'x' WHERE seq = 3",
       ["journal_entries_no_update"], "entry 3", "journal_entries 3"),
    _a("an entry's posting time", "UPDATE journal_entries SET posted_at = '2020-01-01 00:00:00' WHERE seq = 4",
       ["journal_entries_no_update"], "journal_entries 4"),
    _a("an entry's user", f"UPDATE journal_entries SET user_name = '{ADMIN}' WHERE seq = 5",
       ["journal_entries_no_update"], "entry 5"),
    _a("a journal line's amount", "UPDATE journal_lines SET debit_fen = debit_fen + 100 WHERE entry_seq = 2 AND "
       "debit_fen > 0", ["journal_lines_no_update"], "entry 2"),
    _a("the last entry removed and the head moved back",
       ["DELETE FROM journal_lines WHERE entry_seq = {last_entry}",
        "DELETE FROM journal_entries WHERE seq = {last_entry}",
        "UPDATE ledger_head SET seq = seq - 1, hash = (SELECT hash FROM journal_entries WHERE seq = "
        "{last_entry} - 1)"],
       ["journal_lines_no_delete", "journal_entries_no_delete"], "journal_entries {last_entry}"),
    _a("a settled cycle's payee account", "UPDATE cycle_lines SET bank_account = '6217999999999999999' WHERE "
       "cycle_id = {jan} AND household_id = 'H001'", ["cycle_lines_no_update"], "cycle {jan}: cycle_lines / H001"),
    _a("a settled cycle's line deleted and re-inserted under a draft status",
       ["UPDATE cycles SET status = 'draft' WHERE id = {jan}",
        "DELETE FROM cycle_lines WHERE cycle_id = {jan} AND household_id = 'H001'",
        "UPDATE cycles SET status = 'settled' WHERE id = {jan}"],
       ["cycles_status_follows", "cycle_lines_draft_delete"], "cycle {jan}: cycle_lines / H001"),
    _a("a cycle's status", "UPDATE cycles SET status = 'draft' WHERE id = {feb}", ["cycles_status_follows"],
       "cycle {feb}"),
    _a("who ran a cycle", f"UPDATE cycles SET run_by = '{ADMIN}' WHERE id = {{jan}}",
       ["cycles_frozen"], "cycle {jan}: cycles / {jan}"),
    _a("when a cycle ran", "UPDATE cycles SET run_at = '2021-01-01 00:00:00' WHERE id = {feb}",
       ["cycles_frozen"], "cycle {feb}: cycles / {feb}"),
    _a("the parts of an approved line's amount", "UPDATE cycle_lines SET components = '[]' WHERE cycle_id = {feb} "
       "AND household_id = 'H003'", ["cycle_lines_no_update"], "cycle {feb}: cycle_lines / H003"),
    _a("the approver of a cycle", f"UPDATE cycle_transitions SET user_name = '{PREPARER}' WHERE id = "
       "{transition}", ["cycle_transitions_no_update"], "cycle_transitions {transition}"),
    _a("the time of a sign-off", "UPDATE cycle_transitions SET at = '2022-01-01 00:00:00' WHERE id = "
       "{transition}", ["cycle_transitions_no_update"], "cycle_transitions {transition}"),
    _a("the name a sign-off showed", "UPDATE signoffs SET display_name = '张三' WHERE id = {signoff}",
       ["signoffs_no_update"], "signoffs {signoff}"),
    _a("a sign-off taken back", "DELETE FROM signoffs WHERE id = {signoff}", ["signoffs_no_delete"],
       "signoffs {signoff}"),
    _a("the policy text in force, its stored sha256 left stale",
       "UPDATE policy_files SET text = replace(text, '680', '980') WHERE id = {policy_680}",
       ["policy_files_no_update"], "policy_files {policy_680}"),
    _a("the policy text and its sha256", "UPDATE policy_files SET text = text || ' ', sha256 = 'x' WHERE id = "
       "{policy}", ["policy_files_no_update"], "policy_files {policy}"),
    _a("a household's bank account", "UPDATE households SET bank_account = '6217000000000000000' WHERE "
       "household_id = 'H001'", ["households_no_update"], "households H001"),
    _a("a member's death date", "UPDATE members SET death_date = '2022-01-01' WHERE household_id = 'H001' AND "
       "id_number = '{h001_head}'", ["members_no_update"], "members H001 / {h001_head}"),
    _a("a member removed", "DELETE FROM members WHERE household_id = 'H001' AND id_number = '{h001_head}'",
       ["members_no_delete"], "members H001 / {h001_head}"),
    _a("a registry event inserted", "INSERT INTO registry_events (household_id, kind, date, value, import_id, "
       "source_line) VALUES ('H004', 'death', '2022-01-01', '', {import}, 99)", [], "registry_events {next_event}",
       "不在证据链上"),
    _a("a registry event removed", "DELETE FROM registry_events WHERE id = {death_event}",
       ["registry_events_no_delete"], "registry_events {death_event}"),
    _a("a registry event's value", "UPDATE registry_events SET date = '2021-01-01' WHERE id = {first_event}",
       ["registry_events_no_update"], "registry_events {first_event}"),
    _a("a registry import's digest", "UPDATE registry_imports SET digest = 'x' WHERE id = {import}",
       ["registry_imports_no_update"], "registry_imports {import}"),
    _a("a review's date", "UPDATE registry_reviews SET date = '2022-06-01' WHERE id = {review}",
       ["registry_reviews_no_update"], "registry_reviews {review}"),
    _a("a bank file's hash", "UPDATE cycle_exports SET sha256 = 'x' WHERE id = {export}",
       ["cycle_exports_no_update"], "cycle_exports {export}"),
    _a("a bank return's amount", "UPDATE bank_returns SET amount_fen = 1 WHERE id = {return}",
       ["bank_returns_no_update"], "bank_returns {return}"),
    _a("what became of a return", "UPDATE bank_return_resolutions SET reason = 'x' WHERE return_id = {return}",
       ["bank_return_resolutions_no_update"], "bank_return_resolutions {return}"),
    _a("an emergency case's amount", "UPDATE reserve_cases SET amount_fen = 1 WHERE id = {case}",
       ["reserve_cases_no_update"], "reserve_cases {case}"),
    _a("a case's documentation removed", "DELETE FROM reserve_documentations", ["reserve_documentations_no_delete"],
       "reserve_documentations 2"),
    _a("a receivable's amount", "UPDATE receivables SET amount_fen = amount_fen + 1 WHERE id = {receivable}",
       ["receivables_no_update"], "receivables {receivable}"),
    _a("a recovery's amount", "UPDATE recoveries SET amount_fen = 1 WHERE id = {recovery}",
       ["recoveries_no_update"], "recoveries {recovery}"),
    _a("a grant's total", "UPDATE temporary_grants SET total_fen = 1 WHERE id = {grant}",
       ["temporary_grants_no_update"], "temporary_grants {grant}"),
    _a("a grant's approver", f"UPDATE temporary_grant_approvals SET approved_by = '{ADMIN}'",
       ["temporary_grant_approvals_no_update"], "temporary_grant_approvals {grant}"),
    _a("a price declaration", "UPDATE price_declarations SET cpi = '9' WHERE id = {declaration}",
       ["price_declarations_no_update"], "price_declarations {declaration}"),
    _a("a user's role", f"UPDATE users SET role = 'admin' WHERE name = '{AUDITOR}'", ["users_no_update"],
       f"users {AUDITOR}"),
    _a("a user's change of role removed (the user an approver again)",
       "DELETE FROM user_changes WHERE id = (SELECT max(id) FROM user_changes)", ["user_changes_no_delete"],
       "user_changes {last_user_change}", "已被删除"),
    _a("who changed a user's role", f"UPDATE user_changes SET changed_by = '{AUDITOR}'", ["user_changes_no_update"],
       "user_changes {last_user_change}"),
    _a("who made a write", f"UPDATE writes SET user_name = '{ADMIN}' WHERE id = {{last_write}}",
       ["writes_no_update"], "writes {last_write}"),
    _a("a write's record removed", "DELETE FROM writes WHERE id = {last_write}", ["writes_no_delete"],
       "writes {last_write}", "已被删除"),
    _a("a local book's setting turned to authenticating", "UPDATE book_settings SET value = 'on'",
       ["book_settings_no_update"], "book_settings authentication"),
    _a("a password slipped in", "INSERT INTO credentials (user_name, kind, secret_hash, made_by, made_at) VALUES "
       f"('{ADMIN}', 'password', '$argon2id$v=19$x', '{ADMIN}', '2022-01-01 00:00:00')", [], "credentials"),
    _a("a user added", "INSERT INTO users (name, role, created_at) VALUES ('mallory', 'admin', "
       "'2022-01-01 00:00:00')", [], "users mallory"),
    _a("an account closed", "UPDATE accounts SET closed_on = '2022-01-01' WHERE id = {opening_account}", [],
       "accounts {opening_account}"),
    _a("a township renamed", f"UPDATE townships SET name = 'x' WHERE code = '{T1}'", [], f"townships {T1}"),
    _a("a month reopened", "DELETE FROM period_closes", ["period_closes_no_delete"],
       "period_closes 230523 / 2021-11"),
    _a("a stored balance", "UPDATE account_balances SET debit_fen = debit_fen + 1 WHERE debit_fen > 0 AND "
       "day = (SELECT min(day) FROM account_balances)", [], "stored balance of"),
    _a("a seal's hashes rewritten and its digest recomputed without the key",
       "UPDATE evidence SET hashes = replace(hashes, substr(hashes, 1, 1), 'f'), digest = 'x' WHERE seq = 2",
       ["evidence_no_update"], "seal 2"),
    _a("the last seal removed and the evidence head moved back",
       ["DELETE FROM evidence WHERE seq = {last_seal}",
        "UPDATE evidence_head SET seq = seq - 1, mac = (SELECT mac FROM evidence WHERE seq = {last_seal} - 1)"],
       ["evidence_no_delete"], "不在证据链上"),
    _a("every protecting trigger dropped (sqlite)",
       [f"DROP TRIGGER {name}" for name in ("journal_entries_no_update", "cycles_frozen", "cycle_lines_draft_delete",
                                            "users_no_delete", "evidence_no_update")], [],
       "trigger journal_entries_no_update", "trigger cycles_frozen", "trigger users_no_delete", only="sqlite"),
    _a("triggers disabled (postgresql)",
       ["ALTER TABLE journal_entries DISABLE TRIGGER journal_entries_append_only",
        "DROP TRIGGER cycle_lines_no_truncate ON cycle_lines"], [],
       "trigger journal_entries_append_only", "已被停用", "trigger cycle_lines_no_truncate", only="postgresql"),
    _a("a protecting trigger made harmless (sqlite)",
       ["DROP TRIGGER members_no_update",
        "CREATE TRIGGER members_no_update BEFORE UPDATE ON members BEGIN SELECT 1; END"], [],
       "trigger members_no_update", "不再拒绝", only="sqlite"),
]


def behind_the_back(url: str, backend: str, alteration: Alteration, facts: dict) -> None:
    engine = create_engine(url)
    try:
        with engine.begin() as connection:
            if backend == "postgresql":
                connection.exec_driver_sql("SET session_replication_role = replica")
            else:
                for trigger in alteration.drops:
                    connection.exec_driver_sql(f"DROP TRIGGER IF EXISTS {trigger}")
            for statement in alteration.statements:
                connection.execute(text(statement.format(**facts)))
    finally:
        engine.dispose()


def test_the_suite_holds_thirty_alterations_on_each_backend():
    assert len([a for a in ALTERATIONS if a.only != "postgresql"]) >= 30
    assert len([a for a in ALTERATIONS if a.only != "sqlite"]) >= 30


CASES = [(backend, a) for backend in BACKENDS for a in ALTERATIONS if a.only in (None, backend)]


@pytest.mark.parametrize(("backend", "alteration"), CASES, ids=[f"{b}-{a.name}" for b, a in CASES])
def test_verify_names_every_record_altered_behind_its_back(builds, backend, alteration):
    built = builds(backend)
    url = built.clone(alteration.name)
    behind_the_back(url, backend, alteration, built.facts)
    result = Cli(url)("ledger", "verify")
    assert result.exit_code == 3, (result.stdout, result.stderr)
    assert "ledger verify failed" in result.stderr
    for expected in alteration.names:
        assert expected.format(**built.facts) in result.stderr, (expected, result.stderr)
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("backend", BACKENDS)
def test_the_untouched_copy_verifies(builds, backend):
    result = Cli(builds(backend).clone("untouched"))("ledger", "verify")
    assert result.exit_code == 0, result.stderr
    assert "evidence verified" in result.stdout
