"""Helpers for the report tests: the example county's books built through the CLI, PDF text and page images.

PDFs are read back as a person would see them: the text through poppler's `pdftotext -layout`,
the pages drawn by `pdftoppm` (poppler-utils: `make os-deps` installs them).
"""

from __future__ import annotations

import csv
import json
import re
import shutil
import subprocess
from decimal import Decimal
from pathlib import Path

import pytest
from PIL import Image
from support import APPROVER, EXAMPLES, PREPARER

COUNTY = "230523"
D = Decimal
AMOUNT = re.compile(r"-?\d{1,3}(?:,\d{3})*\.\d{2}")
PAGE_MARK = re.compile(r"第\s*(\d+)\s*页\s*共\s*(\d+)\s*页")


def ok(result) -> str:
    """The stdout of a command that must succeed."""
    assert result.exit_code == 0, (result.exit_code, result.stdout, result.stderr)
    return result.stdout.strip()


def poppler(tool: str) -> str:
    path = shutil.which(tool)
    if path is None:
        pytest.fail(f"{tool} is missing: install poppler-utils (make os-deps, or apt-get install poppler-utils)")
    return path


def pdf_pages(path: Path) -> list[str]:
    """Each page's text, laid out (pdftotext -layout); the form feed between pages splits them."""
    text = subprocess.run([poppler("pdftotext"), "-layout", str(path), "-"], check=True, capture_output=True,
                          text=True).stdout
    pages = text.split("\f")
    return pages[:-1] if pages and not pages[-1].strip() else pages


def amounts_in(line: str) -> list[Decimal]:
    """The amounts written 1,234.56 in a line of text, in order."""
    return [D(a.replace(",", "")) for a in AMOUNT.findall(line)]


def line_starting(pages: list[str], start: str) -> str:
    """The one line (stripped) that begins with `start`."""
    found = [ln.strip() for page in pages for ln in page.splitlines() if ln.strip().startswith(start)]
    assert len(found) == 1, (start, found)
    return found[0]


REGISTER_ROW = re.compile(r"^\s*(\d+) (\S+)\s+(\d{6}\*+\d{4})\s+(城镇|农村)\s+(\S+)\s+(\d+)\s+(.*)$")


def printed_rows(pages: list[str]) -> dict[int, dict]:
    """The household rows of a register's pages by 序号: the leading cells, the amounts in order, what follows."""
    rows = {}
    for page in pages:
        for ln in page.splitlines():
            found = REGISTER_ROW.match(ln)
            if found:
                seq, head, id_number, area, category, members, rest = found.groups()
                amounts = amounts_in(rest)
                tail = re.split(r"\s+", re.sub(r"^.*\d\.\d\d", "", rest).strip())
                rows[int(seq)] = dict(head=head, id_number=id_number, area=area, category=category,
                                      members=int(members), amounts=amounts, payee=tail[0], account=tail[1],
                                      note=" ".join(tail[2:]))
    return rows


def render_pages(path: Path, out_dir: Path) -> list[Path]:
    """One PNG per page at 50 dpi (pdftoppm -png -r 50); each must hold a drawing, not a blank page."""
    out_dir.mkdir(parents=True, exist_ok=True)
    subprocess.run([poppler("pdftoppm"), "-png", "-r", "50", str(path), str(out_dir / "page")], check=True)
    images = sorted(out_dir.glob("page-*.png"))
    for image in images:
        assert image.stat().st_size > 0
        with Image.open(image) as picture:
            lowest, _ = picture.convert("L").getextrema()
            assert lowest < 128, f"{image.name} is blank"
    return images


def money(text: str) -> str:
    """'9639.00' → '9,639.00', as the reports print amounts."""
    return f"{D(text):,.2f}"


# ---- building books through the CLI ---------------------------------------------------------------------------


def load_example(run) -> None:
    registry = EXAMPLES / "registry"
    ok(run("registry", "import", "--households", str(registry / "households.csv"),
           "--members", str(registry / "members.csv"), user=PREPARER))
    ok(run("registry", "events", str(registry / "events.csv"), user=PREPARER))


def allocate(run, amount: str, on: str, fund: str = "central_subsidy") -> int:
    return int(ok(run("budget", "allocate", "--jurisdiction", COUNTY, "--fund", fund, "--amount", amount,
                      "--date", on, user=PREPARER)))


def run_cycle(run, month: str) -> int:
    return int(ok(run("cycle", "run", "--jurisdiction", COUNTY, "--month", month, "--date", f"{month}-01",
                      user=PREPARER)))


def approve(run, cycle_id: int, on: str) -> int:
    return int(ok(run("cycle", "approve", cycle_id, "--date", on, user=APPROVER)))


def export(run, cycle_id: int, out: Path, on: str) -> str:
    return ok(run("cycle", "export-bank", cycle_id, "--out", str(out), "--date", on, user=PREPARER))


def settle(run, cycle_id: int, path: Path, rows: list[tuple[str, str, str]], on: str) -> str:
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(("账号", "金额", "原因"))
        writer.writerows(rows)
    return ok(run("cycle", "returns", cycle_id, "--file", str(path), "--date", on, user=PREPARER))


def events(run, path: Path, rows: list[tuple[str, str, str, str, str]]) -> str:
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(("household_id", "kind", "date", "value", "id_number"))
        writer.writerows(rows)
    return ok(run("registry", "events", str(path), user=PREPARER))


def show(run, cycle_id: int) -> dict:
    return json.loads(ok(run("cycle", "show", cycle_id, "--json", user=PREPARER)))


def as_json(run, *args: str) -> dict:
    return json.loads(ok(run(*args, "--json")))
