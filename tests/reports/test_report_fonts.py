"""The reports' Chinese font is embedded (issue 18): every font a register or an audit pack uses is a subset the
file carries (pdffonts), with its map to Unicode (pdftotext reads the Chinese back), and the pages draw their
Chinese on a machine with no Chinese font at all (pdftoppm with an empty font configuration); a missing font file
is refused, naming it and what to install."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from PIL import Image
from report_helpers import COUNTY, allocate, approve, load_example, ok, pdf_pages, poppler, run_cycle

from aidledger.reports.pdf import base


@pytest.fixture
def reports(county, tmp_path) -> tuple[Path, Path]:
    """January's register and the year's audit pack of the worked example."""
    load_example(county)
    allocate(county, "100000", "2022-01-01")
    cycle = run_cycle(county, "2022-01")
    approve(county, cycle, "2022-01-05")
    register, audit = tmp_path / "register.pdf", tmp_path / "audit.pdf"
    ok(county("report", "register", cycle, "--out", str(register)))
    ok(county("report", "audit", "--jurisdiction", COUNTY, "--year", "2022", "--as-of", "2022-01-31",
              "--out", str(audit)))
    return register, audit


def fonts(path: Path) -> list[list[str]]:
    """pdffonts' rows: name, type …, emb, sub, uni, object, generation."""
    lines = subprocess.run([poppler("pdffonts"), str(path)], check=True, capture_output=True,
                           text=True).stdout.splitlines()
    return [line.split() for line in lines[2:] if line.strip()]


def test_every_font_is_an_embedded_subset_with_its_unicode_map(reports):
    for path in reports:
        found = fonts(path)
        assert found, f"{path.name} names no font"
        for row in found:
            emb, sub, uni = row[-5:-2]
            assert (emb, sub, uni) == ("yes", "yes", "yes"), (path.name, row)
            assert "WenQuanYiMicroHei" in row[0] and row[0][6] == "+", row  # a subset: ABCDEF+name
        assert not any("Helvetica" in row[0] or "STSong" in row[0] for row in found)
    register, audit = (" ".join(pdf_pages(path)) for path in reports)
    assert "宝清县2022年1月社会救助资金发放花名册" in register and "合计金额（大写）" in register
    assert "2022年度社会救助资金审计资料" in audit


def dark_pixels(path: Path, out: Path, environment: dict[str, str]) -> int:
    """The dark pixels of the first page drawn at 50 dpi by pdftoppm in `environment`."""
    subprocess.run([poppler("pdftoppm"), "-png", "-r", "50", "-f", "1", "-l", "1", "-singlefile", str(path),
                    str(out)], check=True, env=environment, capture_output=True)
    with Image.open(f"{out}.png") as picture:  # (-singlefile: no page number, however many pages the file has)
        return sum(picture.convert("L").histogram()[:128])


def test_the_pages_draw_their_chinese_on_a_machine_without_a_chinese_font(reports, tmp_path):
    """With a font configuration that holds no font at all, poppler draws what the file embeds: the same page as
    with the machine's fonts."""
    empty = tmp_path / "fonts.conf"
    empty.write_text('<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "fonts.dtd">\n<fontconfig>\n'
                     f"<dir>{tmp_path / 'no-fonts'}</dir><cachedir>{tmp_path / 'cache'}</cachedir>\n</fontconfig>\n",
                     encoding="utf-8")
    (tmp_path / "no-fonts").mkdir()
    bare = {**os.environ, "FONTCONFIG_FILE": str(empty), "FONTCONFIG_PATH": str(tmp_path)}
    for path in reports:
        alone = dark_pixels(path, tmp_path / f"{path.stem}-bare", bare)
        usual = dark_pixels(path, tmp_path / f"{path.stem}-usual", dict(os.environ))
        assert alone == usual > 500, (path.name, alone, usual)


def test_a_missing_font_is_refused_naming_it(tmp_path, monkeypatch):
    monkeypatch.setenv("AIDLEDGER_PDF_FONT", str(tmp_path / "nothing.ttf"))
    with pytest.raises(base.Refusal, match="nothing.ttf.*fonts-wqy-microhei"):
        base.font_file()
    monkeypatch.delenv("AIDLEDGER_PDF_FONT")
    assert base.font_file().is_file()
