"""`aidledger demo` builds a sample county's books end to end, and what it writes holds up."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner
from support import EXAMPLES

from aidledger.cli import cli


def test_demo_runs_and_its_outputs_check(tmp_path):
    out = tmp_path / "demo"
    result = CliRunner().invoke(cli, ["demo", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert f"demo output in {out.resolve()}" in result.stdout
    assert "refused as it should be — a second purchase that would pass the 2% cap" in result.stdout
    # The books verify, and bean-check accepts the export.
    assert CliRunner().invoke(cli, ["--db", f"sqlite:///{out / 'aidledger.db'}", "ledger", "verify"]).exit_code == 0
    check = subprocess.run([str(Path(sys.executable).parent / "bean-check"), str(out / "ledger.beancount")],
                           capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr
    tb = json.loads((out / "trial-balance.json").read_text(encoding="utf-8"))
    assert tb["total_debit"] == tb["total_credit"]
    # The sample county is the spec's worked example: its explained amounts are expected.json's.
    expected = json.loads((EXAMPLES / "expected.json").read_text(encoding="utf-8"))
    explained = json.loads((out / "explained-amounts.json").read_text(encoding="utf-8"))
    for month, households in explained.items():
        assert {h: v["amount"] for h, v in households.items()} == expected[month]
    reserve = json.loads((out / "reserve-status.json").read_text(encoding="utf-8"))
    overdue = {t["township"]: t["overdue"] for t in reserve["townships"]}
    assert overdue == {"230523100": 0, "230523101": 1, "230523102": 0}
