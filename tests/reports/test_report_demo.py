"""The demo's reports: per month the county's register, each township's and the county summary, which carry the
cycle's total, and the monthly statistics (民政统计月报, PDF and CSV), which count the cycle's households and
persons and sum the year's cycles; the year's audit pack."""

from __future__ import annotations

import csv
import json
import re
from decimal import Decimal
from pathlib import Path

from click.testing import CliRunner
from report_helpers import PAGE_MARK, amounts_in, line_starting, pdf_pages, printed_rows

from aidledger.cli import cli
from aidledger.ledger.capitals import rmb_capitals


def _statistics(path: Path) -> dict[tuple[str, str, str, str], str]:
    """The monthly report's CSV: (部分, 救助类别, 城乡, 指标) → 数值."""
    with open(path, encoding="utf-8-sig", newline="") as handle:
        return {(r["部分"], r["救助类别"], r["城乡"], r["指标"]): r["数值"] for r in csv.DictReader(handle)}


def test_the_demo_writes_a_register_per_cycle_and_the_audit_pack(tmp_path):
    out = tmp_path / "demo"
    result = CliRunner().invoke(cli, ["demo", "--out", str(out)])
    assert result.exit_code == 0, result.output
    db = ["--db", f"sqlite:///{out / 'aidledger.db'}"]
    notes = {}
    year_paid, year_persons = Decimal("0.00"), 0
    assert sorted(p.name for p in (out / "monthly").iterdir()) == sorted(
        f"2022-{m:02d}-monthly.{ext}" for m in range(1, 13) for ext in ("pdf", "csv"))
    for n in range(1, 13):
        view = json.loads(CliRunner().invoke(cli, db + ["cycle", "show", str(n), "--json"]).stdout)
        # The month's statistics count the households and persons its cycle paid, and sum the year's cycles.
        persons = sum(line["members"] for line in view["lines"])
        year_paid, year_persons = year_paid + Decimal(view["total"]), year_persons + persons
        figures = _statistics(out / "monthly" / f"{view['month']}-monthly.csv")
        total = ("合计", "总计")
        assert (figures[("救助对象", *total, "户数")], figures[("救助对象", *total, "人数")]) == (
            str(view["count"]), str(persons))
        assert Decimal(figures[("本月资金", *total, "实发金额")]) == Decimal(view["total"])
        assert Decimal(figures[("本年累计资金", *total, "实发金额")]) == year_paid
        assert figures[("本年累计资金", *total, "人次")] == str(year_persons)
        statistics = pdf_pages(out / "monthly" / f"{view['month']}-monthly.pdf")
        assert f"发放批次 第 {n} 号" in statistics[0] and f"2022年{n}月社会救助统计月报" in statistics[0]
        assert any(re.match(r"\s*合计\s+总计", ln) and amounts_in(ln)[-2:-1] == [Decimal(view["total"])]
                   for page in statistics for ln in page.splitlines()), "本月 实发金额 总计 on the page"
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
    assert "monthly statistics (民政统计月报): 12 months in monthly/" in result.stdout
