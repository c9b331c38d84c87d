"""The cross-checks (数据比对) on the cycle's page: the findings of the draft's run, the approver's form resolving one
(the service's refusals on a 422 page), and the page once it is resolved."""

from __future__ import annotations

import csv
from html import unescape

from support import APPROVER, AUDITOR, PREPARER
from webbook import app, clock, csrf_of, password_env, signed_in, web_templates, web_url  # noqa: F401


def run_cli(url: str, *args: str, user: str) -> str:
    from click.testing import CliRunner

    from aidledger.cli import cli

    with password_env():
        result = CliRunner().invoke(cli, ["--db", url, "--user", user, *args], catch_exceptions=False)
    assert result.exit_code == 0, (args, result.output)
    return result.stdout.strip()


def test_an_approver_dismisses_a_finding_on_the_cycles_page(app, signed_in, web_url, tmp_path):
    deaths = tmp_path / "deaths.csv"
    with open(deaths, "w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows([("身份证号", "姓名", "死亡日期"), ("230523197809020222", "马玉梅", "2022-03-01")])
    run_cli(web_url, "match", "load", "--kind", "death", "--source", "县殡仪馆火化名单", "--date", "2022-03-20",
            "--file", str(deaths), user=PREPARER)
    april = run_cli(web_url, "cycle", "run", "--jurisdiction", "230523", "--month", "2022-04", "--date", "2022-04-01",
                    user=PREPARER)
    auditor = unescape(signed_in(AUDITOR).get(f"/cycles/{april}").text)
    assert 'data-finding="1"' in auditor and "230523********0222" in auditor
    assert 'data-form="resolve-finding"' not in auditor
    approver = signed_in(APPROVER)
    page = unescape(approver.get(f"/cycles/{april}").text)
    assert 'data-figure="open-findings"' in page and "于 2022-03-01 死亡" in page
    refused = approver.post("/findings/1/resolve", data={"csrf": csrf_of(page), "action": "dismissed", "reason": ""})
    assert refused.status_code == 422 and "reason" in unescape(refused.text)
    done = approver.post("/findings/1/resolve", data={"csrf": csrf_of(page), "action": "dismissed",
                                                      "reason": "殡仪馆名单身份证号录错, 已核对"})
    assert done.status_code == 303 and done.headers["location"] == f"/cycles/{april}#findings"
    page = unescape(approver.get(f"/cycles/{april}").text)
    assert 'data-status="dismissed"' in page and "已排除" in page and 'data-figure="open-findings"' not in page
    assert "Cross-checks" in approver.get(f"/cycles/{april}?lang=en").text
