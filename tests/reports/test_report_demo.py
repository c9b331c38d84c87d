"""The demo's reports: a register per month that carries its cycle's total, and the year's audit pack."""

from __future__ import annotations

import json
import re
from decimal import Decimal

from click.testing import CliRunner
from report_helpers import PAGE_MARK, amounts_in, pdf_pages

from aidledger.cli import cli
from aidledger.reports.capitals import rmb_capitals


def test_the_demo_writes_a_register_per_cycle_and_the_audit_pack(tmp_path):
    out = tmp_path / "demo"
    result = CliRunner().invoke(cli, ["demo", "--out", str(out)])
    assert result.exit_code == 0, result.output
    db = ["--db", f"sqlite:///{out / 'aidledger.db'}"]
    for n in range(1, 13):
        view = json.loads(CliRunner().invoke(cli, db + ["cycle", "show", str(n), "--json"]).stdout)
        pages = pdf_pages(out / "registers" / f"{view['month']}-register.pdf")
        text = "\n".join(pages)
        grand = next(ln for ln in text.splitlines() if ln.strip().startswith(f"总计（{view['count']}户）"))
        assert amounts_in(grand) == [Decimal(view["total"])]
        assert f"人民币{rmb_capitals(Decimal(view['total']))}" in text
        assert PAGE_MARK.search(pages[-1]).groups() == (str(len(pages)), str(len(pages)))
    audit = pdf_pages(out / "230523-2022-audit.pdf")
    assert re.search(r"账簿校验\s+通过", audit[0])
    assert "audit pack:" in result.stdout
