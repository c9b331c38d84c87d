"""The shape of the code: pure rules import no database, CLI or PDF code; dependencies point inward.

cli → reports → disbursement → budget → ledger, and everyone may use policy.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "aidledger"
FRAMEWORKS = ("sqlalchemy", "alembic", "click", "reportlab", "psycopg")

# Modules that hold rules and data only: they must stay testable without a database.
PURE = [
    "errors", "masking", "idcard", "labels",
    "ledger/money", "ledger/chart", "ledger/entries", "ledger/chain", "ledger/entry_file",
]
# Packages whose modules are pure except the storage ones named here.
PURE_PACKAGES = {
    "policy": {"store", "tables"},
    "disbursement": {"registry_tables", "registry_store", "registry_service", "explain", "cycle_tables",
                     "cycle_compute", "cycle_run", "cycle_actions", "cycle_checks", "cycle_rows", "cycle_workers",
                     "grant_tables", "grants", "recovery_tables", "recovery", "subsidy_tables", "subsidy",
                     "recompute", "cycle_additions", "cycle_steps", "cycle_approval", "opening_tables", "opening",
                     "verify_checks"},
    "disbursement/rules": set(),
    # Report data (register_data, audit_data, exceptions_data, capitals) is pure; these read the books or draw PDF.
    "reports": {"register_source", "audit_source", "pdf_base", "register_pdf", "audit_pdf", "audit_charts"},
}

# Inner layers must not import outer ones.
LAYERS = ["ledger", "budget", "disbursement", "reports"]


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    package = ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts[:-1])
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            names.add(module)
            names |= {f"{module}.{alias.name}" for alias in node.names}
    return names


def resolve_pure_paths() -> list[Path]:
    paths = [PACKAGE / f"{name}.py" for name in PURE]
    for package, impure in PURE_PACKAGES.items():
        paths += [p for p in sorted((PACKAGE / package).glob("*.py")) if p.stem not in impure]
    return paths


@pytest.mark.parametrize("path", resolve_pure_paths(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_pure_modules_import_no_framework(path):
    assert path.exists(), f"{path} is listed as pure but does not exist"
    offending = {m for m in imported_modules(path) if m.split(".")[0] in FRAMEWORKS}
    offending |= {m for m in imported_modules(path) if m.startswith("aidledger.")
                  and (PACKAGE.parent / (m.replace(".", "/") + ".py")).exists()
                  and (PACKAGE.parent / (m.replace(".", "/") + ".py")) not in resolve_pure_paths()}
    assert not offending, f"{path.name} imports {sorted(offending)}"


@pytest.mark.parametrize("path", sorted(PACKAGE.rglob("*.py")), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_every_module_says_what_it_holds(path):
    if path.parent.name == "versions":
        return  # alembic revisions carry their own header
    assert ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))), f"{path} has no module docstring"


@pytest.mark.parametrize("layer", LAYERS)
def test_dependencies_point_inward(layer):
    outer = LAYERS[LAYERS.index(layer) + 1:] + ["cli", "commands"]
    for path in (PACKAGE / layer).rglob("*.py"):
        bad = {m for m in imported_modules(path) if any(m.startswith(f"aidledger.{o}") for o in outer)}
        assert not bad, f"{path.relative_to(PACKAGE)} imports outer layer(s) {sorted(bad)}"


@pytest.mark.parametrize("path", sorted((PACKAGE / "commands").glob("*.py")), ids=lambda p: p.name)
def test_commands_call_services_and_query_nothing_themselves(path):
    """A command parses, calls one service, renders: the web application calls the same services."""
    queries = {m for m in imported_modules(path)
               if (m.startswith("sqlalchemy") and not m.startswith("sqlalchemy.exc"))
               or (m.startswith("aidledger.") and m.endswith(".tables"))}
    assert not queries, f"commands/{path.name} queries the database itself: {sorted(queries)}"


@pytest.mark.parametrize("path", sorted((PACKAGE / "policy").glob("*.py")), ids=lambda p: p.name)
def test_policy_knows_nothing_of_the_ledger(path):
    """Everyone may use policy, so policy uses nothing of the ledger but its money and (for foreign keys) its
    tables; loading a policy, which opens books, is budget/policies.py's."""
    allowed = ("aidledger.ledger.money", "aidledger.ledger.tables")
    bad = {m for m in imported_modules(path) if m.startswith("aidledger.ledger") and not m.startswith(allowed)
           and m != "aidledger.ledger"}
    assert not bad, f"policy/{path.name} imports {sorted(bad)}"
