"""Policy files for the tests: the spec's worked chain (copied next to the tests) and small inline files."""

from __future__ import annotations

from pathlib import Path

import pytest

from aidledger.errors import Refusal
from aidledger.policy import EffectivePolicy, PolicyDocument, parse_policy

# The spec's worked chain, as shipped with the demo (a test checks they are the spec's files).
EXAMPLES = Path(__file__).resolve().parents[2] / "aidledger" / "demo_data"
CHAIN_FILES = ("230000-heilongjiang.toml", "230500-shuangyashan.toml", "230523-baoqing.toml")


def example_documents() -> list[PolicyDocument]:
    """Province, city, county: the chain of the spec's worked county 230523."""
    return [parse_policy((EXAMPLES / name).read_text(encoding="utf-8"), name) for name in CHAIN_FILES]


def example_county() -> EffectivePolicy:
    return EffectivePolicy.resolve(example_documents())


def header(code: str = "230523", level: str = "county", parent: str | None = "230500") -> str:
    parent_line = f'parent = "{parent}"\n' if parent else ""
    return f'[jurisdiction]\ncode = "{code}"\nname = "测试"\nlevel = "{level}"\n{parent_line}'


def province(body: str = "") -> PolicyDocument:
    return parse_policy(header("230000", "province", None) + body, "230000-p.toml")


def city(body: str = "") -> PolicyDocument:
    return parse_policy(header("230500", "city", "230000") + body, "230500-c.toml")


def county(body: str = "") -> PolicyDocument:
    return parse_policy(header() + body, "230523-x.toml")


STANDARDS = "[dibao]\nstandard_urban = 640\nstandard_rural = 430\n"


def refusal(text: str, source: str = "t.toml") -> list[str]:
    """The problems a file is refused with (the test fails if it is accepted)."""
    with pytest.raises(Refusal) as caught:
        parse_policy(text, source)
    return caught.value.messages


def county_refusal(body: str) -> list[str]:
    return refusal(header() + body)


def assert_problem(problems: list[str], *fragments: str) -> None:
    """Some one problem contains every fragment."""
    assert any(all(f in p for f in fragments) for p in problems), (fragments, problems)
