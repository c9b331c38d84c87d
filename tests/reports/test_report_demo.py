"""The demo's reports: per month the county's register, each township's and the county summary, which carry the
cycle's total; the year's audit pack."""

from __future__ import annotations

import json
import re
from decimal import Decimal

from click.testing import CliRunner
from report_helpers import PAGE_MARK, amounts_in, line_starting, pdf_pages, printed_rows

from aidledger.cli import cli
from aidledger.reports.capitals import rmb_capitals


def test_the_demo_writes_a_register_per_cycle_and_the_audit_pack(tmp_path):
    out = tmp_path / "demo"
    result = CliRunner().invoke(cli, ["demo", "--out", str(out)])
    assert result.exit_code == 0, result.output
    db = ["--db", f"sqlite:///{out / 'aidledger.db'}"]
    notes = {}
    for n in range(1, 13):
        view = json.loads(CliRunner().invoke(cli, db + ["cycle", "show", str(n), "--json"]).stdout)
        pages = pdf_pages(out / "registers" / f"{view['month']}-register.pdf")
        text = "\n".join(pages)
        grand = next(ln for ln in text.splitlines() if ln.strip().startswith(f"总计（{view['count']}户）"))
        assert amounts_in(grand)[-1] == Decimal(view["total"])
        assert f"人民币{rmb_capitals(Decimal(view['total']))}" in text
        assert PAGE_MARK.search(pages[-1]).groups() == (str(len(pages)), str(len(pages)))
        county_rows = printed_rows(pages)
        notes.update({(view["month"], row["head"]): (row["amounts"], row["note"]) for row in county_rows.values()})
        # Each township's register holds its own rows under the county's 序号; together, the county's.
        township_rows: dict[int, dict] = {}
        for township, figures in view["by_township"].items():
            part = pdf_pages(out / "registers" / f"{view['month']}-{township}-register.pdf")
            rows = printed_rows(part)
            assert not set(rows) & set(township_rows) and len(rows) == figures["count"]
            township_rows.update(rows)
            assert amounts_in(line_starting(part, f"总计（{figures['count']}户）"))[-1] == Decimal(figures["total"])
        assert township_rows == county_rows
        summary = pdf_pages(out / "registers" / f"{view['month']}-summary.pdf")
        assert amounts_in(line_starting(summary, f"总计（{view['count']}户）"))[-1] == Decimal(view["total"])
    # The worked example's June: H003's 2,529.00 holds a 2,000.00 临时救助 instalment, shown as one; April pays
    # H002's March bank return again, and says so.
    assert notes[("2022-06", "张德明")] == ([Decimal("460.00"), Decimal("69.00"), Decimal("2000.00"),
                                            Decimal("2529.00")], "临时救助分期2/3")
    assert "补发2022-03退票" in notes[("2022-04", "李秀英")][1]
    assert any(note.startswith("渐退第") for _, note in notes.values())
    audit = pdf_pages(out / "230523-2022-audit.pdf")
    assert re.search(r"账簿校验\s+通过", audit[0])
    assert "audit pack:" in result.stdout
