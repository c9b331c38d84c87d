"""The sign-off chain (审核、审批): `approval.cycle_signoffs` / `grant_signoffs` sign-offs, each by another approver,
never the preparer; the cycle is approved and posted at the last; a signer may send it back with a reason; a re-run
starts a new round; two approvers at once never give two last sign-offs. Through the CLI, as a script would."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest
from cycle_helpers import COUNTY, allocate, load_example_registry, ok, run_cycle, scalar, show, verify
from support import ADMIN, APPROVER, EXAMPLE_POLICIES, PREPARER, assert_refused, refused_unchanged, run_together

SECOND = "chen.jing"  # a second approver: 陈静 signs 审批 after 王芳's 审核
COUNTY_POLICY = next(p for p in EXAMPLE_POLICIES if p.name.startswith(COUNTY))


def two_signoffs(run, tmp_path: Path, cycles: int = 2, grants: int = 2) -> None:
    """A new version of the county's policy asking for `cycles` and `grants` sign-offs."""
    changed = tmp_path / COUNTY_POLICY.name
    changed.write_text(COUNTY_POLICY.read_text(encoding="utf-8")
                       + f"\n[approval]\ncycle_signoffs = {cycles}\ngrant_signoffs = {grants}\n", encoding="utf-8")
    ok(run("policy", "load", str(changed), user=ADMIN))


@pytest.fixture
def chain(county, tmp_path):
    ok(county("user", "add", SECOND, "--role", "approver", "--display-name", "陈静", user=ADMIN))
    two_signoffs(county, tmp_path)
    load_example_registry(county)
    allocate(county, "200000.00")
    return county


def entries(db_url) -> int:
    return scalar(db_url, "SELECT count(*) FROM journal_entries")


def test_two_signoffs_approve_and_post_at_the_second(chain, db_url, tmp_path):
    cycle_id = run_cycle(chain, "2022-01")
    before = entries(db_url)
    first = ok(chain("cycle", "approve", str(cycle_id), "--date", "2022-01-05", user=APPROVER))
    assert first == f"cycle {cycle_id}: sign-off 1 of 2 (审核) recorded; 1 more to approve it"
    view = show(chain, cycle_id)
    assert (view["status"], view["waiting"]) == ("draft", "待审批")
    assert [(s["step"], s["name"], s["user"], s["action"]) for s in view["signoffs"]] == [
        (1, "审核", APPROVER, "signed")]
    assert entries(db_url) == before  # nothing posted at the first sign-off
    # the same approver cannot give the second; the preparer gives none
    refused_unchanged(chain, db_url, ["cycle", "approve", str(cycle_id), "--date", "2022-01-05"], APPROVER,
                      "maker-checker", "already signed step 1")
    refused_unchanged(chain, db_url, ["cycle", "approve", str(cycle_id), "--date", "2022-01-05"], PREPARER,
                      "role must be approver")
    seq = int(ok(chain("cycle", "approve", str(cycle_id), "--date", "2022-01-06", user=SECOND)))
    view = show(chain, cycle_id)
    assert view["status"] == "approved" and view["waiting"] is None
    assert [(s["step"], s["of_steps"], s["name"], s["user"], s["display_name"], s["on"]) for s in view["signoffs"]] \
        == [(1, 2, "审核", APPROVER, APPROVER, "2022-01-05"), (2, 2, "审批", SECOND, "陈静", "2022-01-06")]
    assert entries(db_url) == before + 1
    assert view["total"] == "9639.00"  # expected.json's January, as with one sign-off
    # The register prints the chain: who gave the 审核 and who the 审批, with the names and days they were given.
    out = tmp_path / "register.pdf"
    ok(chain("report", "register", str(cycle_id), "--out", str(out)))
    text = subprocess.run(["pdftotext", "-layout", str(out), "-"], check=True, capture_output=True,
                          text=True).stdout
    assert re.search(rf"制表：{PREPARER}（2022-01-01）\s+审核：{APPROVER}（2022-01-05）\s+审批：陈静（2022-01-06）",
                     text), text[-800:]
    assert scalar(db_url, "SELECT user_name FROM journal_entries WHERE seq = :seq", seq=seq) == SECOND  # who posts
    verify(chain)


def test_sent_back_starts_a_new_round(chain, db_url, tmp_path):
    cycle_id = run_cycle(chain, "2022-01")
    ok(chain("cycle", "approve", str(cycle_id), "--date", "2022-01-05", user=APPROVER))
    refused_unchanged(chain, db_url, ["cycle", "send-back", str(cycle_id), "--reason", " "], SECOND,
                      "needs a reason")
    refused_unchanged(chain, db_url, ["cycle", "send-back", str(cycle_id), "--reason", "x"], APPROVER,
                      "already signed step 1")
    ok(chain("cycle", "send-back", str(cycle_id), "--reason", "H003 收入证明未更新", "--date", "2022-01-05",
             user=SECOND))
    view = show(chain, cycle_id)
    assert (view["status"], view["waiting"]) == ("draft", "待审核")
    assert [(s["action"], s["current"], s["reason"]) for s in view["signoffs"]] == [
        ("signed", False, None), ("sent_back", False, "H003 收入证明未更新")]
    # a new round: 陈静 signs its 审核 and 王芳 its 审批
    ok(chain("cycle", "approve", str(cycle_id), "--date", "2022-01-06", user=SECOND))
    int(ok(chain("cycle", "approve", str(cycle_id), "--date", "2022-01-06", user=APPROVER)))
    assert show(chain, cycle_id)["status"] == "approved"
    # The register's 制表 is still who ran it, not who sent it back (which also returned it to draft).
    out = tmp_path / "register.pdf"
    ok(chain("report", "register", str(cycle_id), "--out", str(out)))
    text = subprocess.run(["pdftotext", "-layout", str(out), "-"], check=True, capture_output=True,
                          text=True).stdout
    assert re.search(rf"制表：{PREPARER}（2022-01-01）\s+审核：陈静（2022-01-06）\s+审批：{APPROVER}（2022-01-06）",
                     text), text[-800:]
    verify(chain)


def test_a_rerun_voids_the_signoffs_given(chain, db_url):
    cycle_id = run_cycle(chain, "2022-01")
    ok(chain("cycle", "approve", str(cycle_id), "--date", "2022-01-05", user=APPROVER))
    assert run_cycle(chain, "2022-01") == cycle_id  # the draft run again in place
    view = show(chain, cycle_id)
    assert view["waiting"] == "待审核" and [s["current"] for s in view["signoffs"]] == [False]
    # the first signer signs the new draft's 审核; the second its 审批
    ok(chain("cycle", "approve", str(cycle_id), "--date", "2022-01-05", user=APPROVER))
    int(ok(chain("cycle", "approve", str(cycle_id), "--date", "2022-01-05", user=SECOND)))
    assert [s["current"] for s in show(chain, cycle_id)["signoffs"]] == [False, True, True]


def test_a_signoff_on_a_draft_short_of_funds_is_refused_at_the_first_step(county, db_url, tmp_path):
    two_signoffs(county, tmp_path)
    load_example_registry(county)
    allocate(county, "100.00")
    cycle_id = run_cycle(county, "2022-01")
    refused_unchanged(county, db_url, ["cycle", "approve", str(cycle_id), "--date", "2022-01-05"], APPROVER,
                      "cycle", "short")


def test_the_policy_refuses_a_chain_of_none(county, tmp_path):
    changed = tmp_path / COUNTY_POLICY.name
    changed.write_text(COUNTY_POLICY.read_text(encoding="utf-8") + "\n[approval]\ncycle_signoffs = 0\n",
                       encoding="utf-8")
    assert_refused(county("policy", "load", str(changed), user=ADMIN), "approval.cycle_signoffs")


def test_a_grant_needs_its_two_signoffs(chain, db_url):
    grant_id = ok(chain("temporary", "grant", "--household", "H003", "--total", "600", "--instalments", "3",
                        "--first-month", "2022-05", "--reason", "住院", user=PREPARER))
    assert ok(chain("temporary", "approve", grant_id, user=APPROVER)) == \
        f"temporary grant {grant_id}: sign-off 1 of 2 (审核) recorded; 1 more to approve it"
    assert scalar(db_url, "SELECT count(*) FROM temporary_grant_approvals") == 0
    refused_unchanged(chain, db_url, ["temporary", "approve", grant_id], APPROVER, "already signed step 1")
    assert ok(chain("temporary", "approve", grant_id, user=SECOND)) == f"temporary grant {grant_id} approved"
    listed = json.loads(ok(chain("temporary", "list", "--jurisdiction", COUNTY, "--json", user=PREPARER)))
    assert [g["approved_by"] for g in listed["grants"]] == [SECOND]


@pytest.mark.slow
@pytest.mark.parametrize("signoffs", [1, 2])
def test_two_approvers_at_once_never_give_two_last_signoffs(county, db_url, tmp_path, signoffs):
    ok(county("user", "add", SECOND, "--role", "approver", user=ADMIN))
    two_signoffs(county, tmp_path, cycles=signoffs)
    load_example_registry(county)
    allocate(county, "200000.00")
    cycle_id = str(run_cycle(county, "2022-01"))
    before = entries(db_url)
    results = run_together(db_url, [["--user", name, "cycle", "approve", cycle_id, "--date", "2022-01-05"]
                                    for name in (APPROVER, SECOND)], user=APPROVER)
    codes = sorted(code for code, _, _ in results)
    # one sign-off each (审核 then 审批), or, with one sign-off asked, one approval and one refusal
    assert codes == ([0, 0] if signoffs == 2 else [0, 3]), results
    assert entries(db_url) == before + 1
    assert scalar(db_url, "SELECT count(*) FROM signoffs WHERE subject = 'cycle'") == signoffs
    assert show(county, int(cycle_id))["status"] == "approved"
    verify(county)
