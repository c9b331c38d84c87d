"""The sign-off chain in the browser (issue 17): where the county's policy asks for two sign-offs, 王芳 signs 审核 and
陈静 审批 from the cycle's page, which reads 待审核 / 待审批 / 已审批; a signer sends a draft back with a reason; a page
opened before another's sign-off or a re-run is refused ("reload"); two approvers posting at the same moment give
one sign-off and one refusal, never two postings."""

from __future__ import annotations

import threading
from html import unescape
from pathlib import Path

from sqlalchemy import func, select
from support import ADMIN, APPROVER, EXAMPLE_POLICIES, PREPARER
from webbook import (  # noqa: F401
    SECOND_APPROVER,
    app,
    clock,
    csrf_of,
    run_cli,
    sign_fields,
    signed_in,
    web_templates,
    web_url,
)
from webbook import read_book as read

from aidledger.disbursement.payments.tables import Cycle
from aidledger.disbursement.signoffs.tables import Signoff
from aidledger.ledger.tables import JournalEntry

COUNTY_POLICY = next(p for p in EXAMPLE_POLICIES if p.name.startswith("230523"))


def april_with_two_signoffs(url: str, tmp_path: Path) -> int:
    changed = tmp_path / COUNTY_POLICY.name
    changed.write_text(COUNTY_POLICY.read_text(encoding="utf-8") + "\n[approval]\ncycle_signoffs = 2\n",
                       encoding="utf-8")
    run_cli(url, "policy", "load", str(changed), user=ADMIN)
    return int(run_cli(url, "cycle", "run", "--jurisdiction", "230523", "--month", "2022-04", "--date",
                       "2022-04-01", user=PREPARER))


def state(url: str, cycle_id: int) -> tuple[str, int, int]:
    """The cycle's status, the book's entries and the cycle's sign-offs."""
    return read(url, lambda s: (s.get(Cycle, cycle_id).status,
                                s.scalar(select(func.count()).select_from(JournalEntry)),
                                s.scalar(select(func.count()).select_from(Signoff).where(
                                    Signoff.subject == "cycle", Signoff.subject_id == cycle_id))))


def waiting(html: str) -> str:
    return unescape(html).split('data-figure="waiting">', 1)[1].split("<", 1)[0]


def test_two_approvers_sign_in_turn(signed_in, web_url, tmp_path):
    april = april_with_two_signoffs(web_url, tmp_path)
    status, posted, _ = state(web_url, april)
    first = signed_in(APPROVER)
    page = first.get(f"/cycles/{april}").text
    assert waiting(page) == "待审核" and "审核签字（" in unescape(page)
    shown = sign_fields(page)
    signed = first.post(f"/cycles/{april}/approve", data={**shown, "date": "2022-04-01"})
    assert signed.status_code == 303, unescape(signed.text)[-800:]
    assert state(web_url, april) == ("draft", posted, 1)  # 审核 given, nothing posted
    after = first.get(f"/cycles/{april}").text
    assert waiting(after) == "待审批" and "审核 王芳 2022-04-01" in unescape(after)
    # 王芳 cannot sign the 审批 too (maker-checker): no button, a note; a post of the next step is refused
    assert 'data-form="approve"' not in after and "须由另一名审批人签字" in unescape(after)
    again = first.post(f"/cycles/{april}/approve", data={**shown, "csrf": csrf_of(after), "step": "2",
                                                         "date": "2022-04-01"})
    assert again.status_code == 422 and "每一步须由不同的人签字" in unescape(again.text)

    second = signed_in(SECOND_APPROVER)
    page = second.get(f"/cycles/{april}").text
    # the round and step of a page opened before 王芳 signed
    stale = second.post(f"/cycles/{april}/approve", data={**shown, "csrf": csrf_of(page), "date": "2022-04-01"})
    assert stale.status_code == 422 and "请刷新页面" in unescape(stale.text)
    assert waiting(page) == "待审批" and "审批并入账（" in unescape(page)
    done = second.post(f"/cycles/{april}/approve", data={**sign_fields(page), "date": "2022-04-01"})
    assert done.status_code == 303, unescape(done.text)[-800:]
    assert state(web_url, april) == ("approved", posted + 1, 2)
    record = unescape(second.get(f"/cycles/{april}").text).split('<table class="signoffs">', 1)[1].split("</table>")[0]
    assert "审核（1/2）" in record and "王芳" in record and "审批（2/2）" in record and "陈静" in record


def test_a_signer_sends_the_draft_back(signed_in, web_url, tmp_path):
    april = april_with_two_signoffs(web_url, tmp_path)
    first = signed_in(APPROVER)
    first.post(f"/cycles/{april}/approve", data={**sign_fields(first.get(f"/cycles/{april}").text),
                                                 "date": "2022-04-01"})
    second = signed_in(SECOND_APPROVER)
    page = second.get(f"/cycles/{april}").text
    fields = sign_fields(page)
    no_reason = second.post(f"/cycles/{april}/send-back", data={**fields, "reason": "  "})
    assert no_reason.status_code == 422 and "退回须写明原因" in unescape(no_reason.text)
    back = second.post(f"/cycles/{april}/send-back", data={**fields, "reason": "H003 收入证明未更新",
                                                            "date": "2022-04-01"})
    assert back.status_code == 303
    page = unescape(second.get(f"/cycles/{april}").text)
    assert waiting(page) == "待审核" and "退回：H003 收入证明未更新" in page and "已失效" in page
    assert state(web_url, april)[0] == "draft"


def test_two_browsers_signing_at_once_give_one_signoff(signed_in, web_url, tmp_path):
    april = april_with_two_signoffs(web_url, tmp_path)
    browsers = [signed_in(APPROVER), signed_in(SECOND_APPROVER)]
    forms = [sign_fields(b.get(f"/cycles/{april}").text) for b in browsers]  # both pages show 待审核
    start = threading.Barrier(2)
    answers: list[int] = []

    def sign(browser, form) -> None:
        start.wait()
        answers.append(browser.post(f"/cycles/{april}/approve", data={**form, "date": "2022-04-01"}).status_code)

    threads = [threading.Thread(target=sign, args=pair) for pair in zip(browsers, forms)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(answers) == [303, 422]  # the second saw the first's 审核: "reload"
    status, _, signoffs = state(web_url, april)
    assert (status, signoffs) == ("draft", 1)
