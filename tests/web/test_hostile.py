"""A household whose names hold markup: shown as text on every page that displays names (Jinja autoescapes)."""

from __future__ import annotations

from support import PREPARER
from webbook import PASSWORD, app, client, clock, password_env, signed_in, web_templates, web_url  # noqa: F401

from aidledger.idcard import check_character

SCRIPT = "<script>alert(1)</script>"


def _id(first_17: str) -> str:
    return first_17 + check_character(first_17)


def _import_marked_household(tmp_path, web_url) -> None:
    """H099 in 宝清镇, its payee and head named with a script tag, imported and run into a draft for 2022-04."""
    from click.testing import CliRunner

    from aidledger.cli import cli

    head = _id("23052319800202001")
    households = tmp_path / "households.csv"
    households.write_text(
        "household_id,county,township,area,program,monthly_income,approved_on,tier,income_type,tekun_setting,"
        "payee_name,bank_account\n"
        f"H099,230523,230523100,urban,dibao,100,2022-03-15,,variable,,{SCRIPT},6217000010000000999\n",
        encoding="utf-8")
    members = tmp_path / "members.csv"
    members.write_text(
        "household_id,id_number,name,relation,birth_date,disability_grade,disability_kind,flags,care_level,"
        "single_person,death_date\n"
        f"H099,{head},{SCRIPT},head,1980-02-02,,,,,,\n", encoding="utf-8")
    runner = CliRunner()
    with password_env():
        for args in (["registry", "import", "--households", str(households), "--members", str(members)],
                     ["cycle", "run", "--jurisdiction", "230523", "--month", "2022-04", "--date", "2022-04-01"]):
            result = runner.invoke(cli, ["--db", web_url, "--user", PREPARER, *args], catch_exceptions=False)
            assert result.exit_code == 0, result.output


def test_markup_in_a_name_is_shown_as_text_everywhere(tmp_path, web_url, signed_in, clock):
    _import_marked_household(tmp_path, web_url)
    c = signed_in(PREPARER)
    pages = ["/registry?q=H099&on=2022-04-01", "/registry/H099?on=2022-04-01", "/registry?on=2022-04-01",
             "/cycles/4", "/cycles/4?q=H099", "/"]
    shown = 0
    for path in pages:
        response = c.get(path)
        assert response.status_code == 200, (path, response.status_code, response.text[:300])
        assert SCRIPT not in response.text, path
        shown += "&lt;script&gt;alert(1)&lt;/script&gt;" in response.text
    assert shown >= 4  # the lists, the household's page and the cycle's lines name it
    api = c.get("/api/v1/registry/H099?on=2022-04-01")
    assert api.json()["payee_name"] == SCRIPT  # JSON carries the data as it is; a browser never renders it
    assert api.headers["content-type"].startswith("application/json")
