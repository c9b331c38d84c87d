"""The month's steps from the pages (issue 17, part): a preparer runs April, a second person approves it (the one
who ran it is refused by the service, maker-checker), a draft changed since its page was opened is not approved,
an approver sends a bank return back to the fund; each the command's service, with its refusals."""

from __future__ import annotations

from html import unescape

from sqlalchemy import func, select
from support import APPROVER, AUDITOR, PREPARER
from webbook import TOWN_CLERK, app, clock, csrf_of, password_env, sign_fields, signed_in, web_templates, web_url  # noqa: F401
from webbook import read_book as read

from aidledger.disbursement.payments.tables import BankReturn, Cycle, ReturnResolution
from aidledger.ledger.tables import JournalEntry


def run_cli(url: str, *args: str, user: str) -> str:
    from click.testing import CliRunner

    from aidledger.cli import cli

    with password_env():
        result = CliRunner().invoke(cli, ["--db", url, "--user", user, *args], catch_exceptions=False)
    assert result.exit_code == 0, (args, result.output)
    return result.stdout.strip()


def cycle_row(url, cycle_id):
    return read(url, lambda s: (lambda c: (c.month, c.status, c.total, c.run_by))(s.get(Cycle, cycle_id)))


def entries(url) -> int:
    return read(url, lambda s: s.scalar(select(func.count()).select_from(JournalEntry)))


def ran_cycle(app, client, ran) -> int:
    """The cycle a run's job stored: the post answers with the job's page, and the job names the cycle once done."""
    assert ran.status_code == 303 and ran.headers["location"].startswith("/jobs/"), ran.text[-400:]
    job = int(ran.headers["location"].rsplit("/", 1)[1])
    assert app.state.jobs.wait(job, 120)
    polled = client.get(f"/api/v1/jobs/{job}").json()
    assert polled["state"] == "done", polled
    return int(polled["cycle"])


def test_a_preparer_runs_april_and_another_person_approves_it(app, signed_in, web_url):
    preparer = signed_in(PREPARER)
    page = preparer.get("/cycles").text
    assert 'data-form="run"' in page
    ran = preparer.post("/cycles/run", data={"csrf": csrf_of(page), "jurisdiction": "230523", "month": "2022-04",
                                             "date": "2022-04-01"})
    april = ran_cycle(app, preparer, ran)
    month, status, total, run_by = cycle_row(web_url, april)
    assert (month, status, run_by) == ("2022-04", "draft", PREPARER)
    assert 'data-form="approve"' not in preparer.get(f"/cycles/{april}").text  # the preparer's page: no approving

    approver = signed_in(APPROVER)
    draft = approver.get(f"/cycles/{april}").text
    assert 'data-form="approve"' in draft
    posted = entries(web_url)
    # the page showed another draft (an earlier round): refused, nothing posted
    shown = sign_fields(draft)
    stale = approver.post(f"/cycles/{april}/approve", data={**shown, "round": str(int(shown["round"]) - 1),
                                                           "date": "2022-04-01"})
    assert stale.status_code == 422 and "自页面打开后已经改变" in unescape(stale.text)
    assert cycle_row(web_url, april)[1] == "draft" and entries(web_url) == posted
    done = approver.post(f"/cycles/{april}/approve", data={**shown, "date": "2022-04-01"})
    assert done.status_code == 303, unescape(done.text)[-1500:]
    assert cycle_row(web_url, april)[1] == "approved"
    assert entries(web_url) == posted + 1
    again = approver.post(f"/cycles/{april}/approve", data={**shown, "date": "2022-04-01"})
    assert again.status_code == 422 and entries(web_url) == posted + 1  # a double click posts once


def test_refusals_of_the_months_steps(signed_in, web_url):
    preparer = signed_in(PREPARER)
    page = preparer.get("/cycles").text
    for fields, words in (({"jurisdiction": "230523", "month": "2022-13"}, "月份“2022-13”无效"),
                          ({"jurisdiction": "", "month": "2022-04"}, "请填写县级区划代码和月份"),
                          ({"jurisdiction": "230524", "month": "2022-04"}, "230524")):
        refused = preparer.post("/cycles/run", data={"csrf": csrf_of(page), **fields})
        assert refused.status_code in (403, 422), fields
        assert words in unescape(refused.text), (fields, unescape(refused.text)[-400:])
    assert read(web_url, lambda s: s.scalar(select(func.count()).select_from(Cycle).where(Cycle.month == "2022-04"))) \
        == 0
    # a township's clerk does not run the county's month; an auditor runs nothing
    clerk = signed_in(TOWN_CLERK)
    clerk_page = clerk.get("/cycles").text
    assert 'data-form="run"' not in clerk_page
    assert clerk.post("/cycles/run", data={"csrf": csrf_of(clerk_page), "jurisdiction": "230523",
                                           "month": "2022-04"}).status_code == 422
    auditor = signed_in(AUDITOR)
    assert auditor.post("/cycles/run", data={"csrf": csrf_of(auditor.get("/cycles").text), "jurisdiction": "230523",
                                             "month": "2022-04"}).status_code == 403


def test_a_preparer_does_not_approve(signed_in, web_url):
    """Running is the preparer's, approving the approver's: the preparer who ran April is refused its approval."""
    april = run_cli(web_url, "cycle", "run", "--jurisdiction", "230523", "--month", "2022-04", "--date", "2022-04-01",
                    user=PREPARER)
    preparer = signed_in(PREPARER)
    # a preparer may not approve at all
    assert preparer.post(f"/cycles/{april}/approve", data={"csrf": csrf_of(preparer.get("/cycles").text),
                                                          "round": "1", "step": "1"}).status_code == 403


def test_an_approver_sends_a_return_back_to_the_fund(signed_in, web_url, tmp_path):
    run_cli(web_url, "cycle", "export-bank", "3", "--out", str(tmp_path / "bank.csv"), "--date", "2022-03-06",
            user=PREPARER)
    (tmp_path / "r.csv").write_text("账号,金额,原因\n6217000010000000029,1032.00,账户已销户\n", encoding="utf-8")
    run_cli(web_url, "cycle", "returns", "3", "--file", str(tmp_path / "r.csv"), "--date", "2022-03-10", user=PREPARER)
    returned = read(web_url, lambda s: s.scalar(select(BankReturn.id).where(BankReturn.cycle_id == 3)))
    approver = signed_in(APPROVER)
    page = approver.get("/cycles/3").text
    assert 'data-form="cancel-return"' in page
    refused = approver.post(f"/returns/{returned}/cancel", data={"csrf": csrf_of(page), "reason": "  "})
    assert refused.status_code == 422 and "reason" in unescape(refused.text)
    done = approver.post(f"/returns/{returned}/cancel", data={"csrf": csrf_of(page), "reason": "户主已迁出本县",
                                                              "date": "2022-03-15"})
    assert done.status_code == 303 and done.headers["location"] == "/cycles/3#returns"
    assert read(web_url, lambda s: s.get(ReturnResolution, returned).kind) == "cancelled"
    assert "已退回资金 2022-03-15" in approver.get("/cycles/3").text
    assert approver.post("/returns/999/cancel", data={"csrf": csrf_of(page), "reason": "x"}).status_code == 422
