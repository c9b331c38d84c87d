"""Single changes to a household recorded through forms (issue 17, part): an income change, a death, a new payee
and account, a suspension. Each form stores the event `registry events` would store from a one-row file: the page
writes that row (registry-format.md's columns) and calls the same service, so every check of an events file holds
(the household as it stands that day, one account one household, a township clerk's scope) and a refusal answers
with the same messages. The same row sent twice (a double click) is the same file, stored once.
"""

from __future__ import annotations

import csv
import io
import tempfile
from pathlib import Path
from typing import Annotated

from fastapi import Form, Request
from fastapi.responses import RedirectResponse, Response

from aidledger.disbursement.registry import service as registry
from aidledger.errors import Refusal
from aidledger.web import params
from aidledger.web.access import Routes, SignedIn, now_of

routes = Routes()
# The kinds a form records, and the columns of the row each fills (registry-format.md).
FORMS = {"income": ("value",), "death": ("id_number",), "payee": ("payee_name", "bank_account"),
         "suspend": ("value",)}
FIELD_NAMES = {("income", "value"): "家庭月收入", ("death", "id_number"): "去世的成员",
               ("payee", "payee_name"): "收款人", ("payee", "bank_account"): "银行账号",
               ("suspend", "value"): "暂停原因"}
COLUMNS = ("household_id", "kind", "date", "value", "id_number", "payee_name", "bank_account")
Field = Annotated[str, Form(max_length=100)]


def event_row(household_id: str, kind: str, day: str, fields: dict[str, str]) -> str:
    """The one-row events file of a form: the columns the kind uses filled, the others empty."""
    if kind not in FORMS:
        raise Refusal(f"变动类别“{kind[:20]}”无效：应为收入变化、成员死亡、收款人变更或暂停发放之一")
    row = {"household_id": household_id, "kind": kind, "date": day}
    for column in FORMS[kind]:
        text = fields.get(column, "").strip()
        if not text:
            raise Refusal(f"请填写{FIELD_NAMES[kind, column]}")
        row[column] = text
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerow({c: row.get(c, "") for c in COLUMNS})
    return out.getvalue()


@routes.post("/registry/{household_id}/events", roles=("preparer",))
def record_change(request: Request, viewer: SignedIn, household_id: str, kind: Field = "", date: Field = "",
                  value: Field = "", id_number: Field = "", payee_name: Field = "",
                  bank_account: Field = "") -> Response:
    """Store one event of the household through `registry events`' service; back to the household's page."""
    if len(household_id) > 64:
        raise Refusal("户编号过长")
    day = params.day(date, now_of(request).date())
    text = event_row(household_id, kind, day.isoformat(),
                     {"value": value, "id_number": id_number, "payee_name": payee_name, "bank_account": bank_account})
    database = request.app.state.database
    with database.read() as session:
        viewer.require_within(registry.household_township(session, household_id), f"户 {household_id}")
    with tempfile.TemporaryDirectory(prefix="aidledger-form-") as folder:
        # The file's name is what the import records as its source.
        path = Path(folder) / f"网页录入-{household_id}-{kind}-{day.isoformat()}.csv"
        path.write_text(text, encoding="utf-8")
        with viewer.acting(), database.write() as session:
            outcome = registry.import_events(session, str(path), user=viewer.name, now=now_of(request),
                                             today=now_of(request).date(), dry_run=False)
    stored = "unchanged" if outcome.unchanged else "stored"
    return RedirectResponse(f"/registry/{household_id}?recorded={stored}#history", status_code=303)
