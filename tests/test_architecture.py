"""The shape of the code, checked for every module of every package (docs/development.md draws it).

Two rules:
- **Purity by name.** A module touches the database only if its name or its package's says so (`tables`,
  `store`, `service`, `workers`, `checks`); it draws PDF only under `pdf`; it speaks click only in `commands`
  and `cli`. Every other module imports none of those frameworks and none of those modules, so it can be
  read and tested without a database.
- **Layers.** Each module belongs to one layer; it imports only from its own layer and the ones below.
  Inside `disbursement` the subpackages are layered the same way: the cycle uses the others, none of them
  uses the cycle.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "aidledger"
MODULES = sorted(p for p in PACKAGE.rglob("*.py") if "versions" not in p.parts)

DATABASE_FRAMEWORKS = ("sqlalchemy", "alembic", "psycopg")
STORAGE_NAMES = {"tables", "store", "service", "workers", "checks"}
# The top-level modules that are the storage itself or the application around it.
STORAGE_MODULES = {"aidledger.orm", "aidledger.db", "aidledger.models", "aidledger.users", "aidledger.demo",
                   "aidledger.migrations", "aidledger.cli"}
SHELL = ("aidledger.cli", "aidledger.__main__", "aidledger.commands", "aidledger.render", "aidledger.demo",
         "aidledger.web")

# Lowest first. A module's layer is the longest prefix of its name listed here.
LAYERS: list[tuple[str, ...]] = [
    ("aidledger.codes", "aidledger.errors", "aidledger.problems", "aidledger.labels", "aidledger.masking",
     "aidledger.idcard", "aidledger.ledger.money", "aidledger.ledger.chart", "aidledger.ledger.entries",
     "aidledger.ledger.chain", "aidledger.ledger.entry_file", "aidledger.files", "aidledger.keys",
     "aidledger.ledger.checkpoints", "aidledger.acting", "aidledger.auth.hashing", "aidledger.auth.scope",
     "aidledger.auth.throttle"),
    ("aidledger.orm", "aidledger.db", "aidledger.users", "aidledger.ledger.tables", "aidledger.evidence",
     "aidledger.auth"),
    ("aidledger.policy",),
    ("aidledger.ledger",),
    ("aidledger.budget",),
    ("aidledger.disbursement", "aidledger.disbursement.registry", "aidledger.disbursement.registry.tables"),
    ("aidledger.disbursement.rules",),
    # The records of every sub-ledger sit below all their services: tables refer to each other by foreign
    # keys, and a service may read what another recorded (recovery reads whether an opening was reversed).
    ("aidledger.disbursement.payments", "aidledger.disbursement.*.tables"),
    ("aidledger.disbursement.recovery", "aidledger.disbursement.temporary", "aidledger.disbursement.subsidy",
     "aidledger.disbursement.signoffs"),
    ("aidledger.disbursement.opening",),
    ("aidledger.disbursement.entitlement",),
    ("aidledger.disbursement.arrears",),
    ("aidledger.disbursement.matching",),
    ("aidledger.disbursement.cycles",),
    ("aidledger.disbursement.checks",),
    ("aidledger.reports",),
    ("aidledger.jobs",),
    ("aidledger.models", "aidledger.migrations"),
    ("aidledger.render", "aidledger.demo", "aidledger.demo_data", "aidledger.commands", "aidledger.web"),
    ("aidledger.cli", "aidledger.__main__"),
]


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_modules(path: Path) -> set[str]:
    """Every module `path` imports, by full name (`from a import b` counts a and a.b)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = module_name(path) if path.name == "__init__.py" else module_name(path).rsplit(".", 1)[0]
    names: set[str] = set()
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


def own_modules(names: set[str]) -> set[str]:
    """The aidledger modules among `names` (not the functions imported from them; not a package whose module
    is what was imported: `from aidledger.ledger import tables` uses the tables, not the ledger)."""
    out = set()
    for name in names:
        if name.startswith("aidledger"):
            path = PACKAGE.parent / name.replace(".", "/")
            if path.with_suffix(".py").exists() or (path / "__init__.py").exists():
                out.add(name)
    return {n for n in out if not any(o.startswith(n + ".") for o in out)}


def may_touch_storage(name: str) -> bool:
    parts = name.split(".")
    return bool(STORAGE_NAMES & set(parts[1:])) or any(name == m or name.startswith(m + ".") for m in STORAGE_MODULES)


def may_draw(name: str) -> bool:
    return "pdf" in name.split(".")


def in_shell(name: str) -> bool:
    return any(name == s or name.startswith(s + ".") for s in SHELL)


def layer_of(name: str) -> int:
    """The layer of the most specific entry naming `name` or a package of it (`*` stands for one part)."""
    parts = name.split(".")
    best, level = 0, -1
    for index, prefixes in enumerate(LAYERS):
        for prefix in prefixes:
            pattern = prefix.split(".")
            if len(pattern) <= len(parts) and all(p in ("*", q) for p, q in zip(pattern, parts)) \
                    and len(pattern) > best:
                best, level = len(pattern), index
    return level


def test_the_layers_name_every_module():
    unplaced = [module_name(p) for p in MODULES if layer_of(module_name(p)) < 0 and module_name(p) != "aidledger"]
    assert not unplaced, f"modules in no layer of tests/test_architecture.py: {unplaced}"


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_a_module_touches_the_database_only_if_its_name_says_so(path):
    name = module_name(path)
    imports = imported_modules(path)
    if not may_touch_storage(name) and not in_shell(name):  # the shell calls services (and is checked below)
        frameworks = {m for m in imports if m.split(".")[0] in DATABASE_FRAMEWORKS}
        storage = {m for m in own_modules(imports) if may_touch_storage(m)}
        assert not frameworks | storage, f"{name} is pure by its name but imports {sorted(frameworks | storage)}"
    if not may_draw(name):
        drawing = {m for m in imports if m.split(".")[0] == "reportlab"}
        drawing |= {m for m in own_modules(imports) if may_draw(m)} if not in_shell(name) else set()
        assert not drawing, f"{name} draws PDF (imports {sorted(drawing)}) outside a pdf package"
    if not in_shell(name):
        shell = {m for m in imports if m.split(".")[0] == "click"} | {m for m in own_modules(imports) if in_shell(m)}
        assert not shell, f"{name} is below the command line but imports {sorted(shell)}"


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_imports_point_to_the_same_layer_or_below(path):
    name = module_name(path)
    mine = layer_of(name)
    above = {m for m in own_modules(imported_modules(path)) if layer_of(m) > mine}
    assert not above, f"{name} (layer {mine}) imports from layers above it: " + ", ".join(
        f"{m} ({layer_of(m)})" for m in sorted(above))


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_every_module_says_what_it_holds(path):
    assert ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))), f"{path} has no module docstring"


@pytest.mark.parametrize("path", sorted((PACKAGE / "commands").glob("*.py")), ids=lambda p: p.name)
def test_commands_call_services_and_query_nothing_themselves(path):
    """A command parses, calls one service, renders: the web application calls the same services."""
    if path.name == "app.py":
        return  # the context object opens the database for the commands; it queries nothing
    queries = {m for m in imported_modules(path)
               if (m.startswith("sqlalchemy") and not m.startswith("sqlalchemy.exc"))
               or (m.startswith("aidledger.") and m.endswith(".tables"))}
    assert not queries, f"commands/{path.name} queries the database itself: {sorted(queries)}"


@pytest.mark.parametrize("path", sorted((PACKAGE / "policy").glob("*.py")), ids=lambda p: p.name)
def test_policy_knows_nothing_of_the_ledger(path):
    """Everyone may use policy, so policy uses nothing of the ledger but its money and (for foreign keys) its
    tables; loading a policy, which opens books, is budget/service/policies.py's."""
    allowed = ("aidledger.ledger.money", "aidledger.ledger.tables")
    bad = {m for m in imported_modules(path) if m.startswith("aidledger.ledger") and not m.startswith(allowed)
           and m != "aidledger.ledger"}
    assert not bad, f"policy/{path.name} imports {sorted(bad)}"


def test_the_checks_find_what_they_are_for(tmp_path):
    """The rules above would pass vacuously if the helpers saw nothing: they see a pure module's bad import."""
    bad = tmp_path / "aidledger" / "disbursement" / "rules" / "bad.py"
    bad.parent.mkdir(parents=True)
    bad.write_text("from sqlalchemy import select\nfrom ..cycles.service import run\n", encoding="utf-8")
    global PACKAGE
    saved, PACKAGE = PACKAGE, tmp_path / "aidledger"
    try:
        imports = imported_modules(bad)
    finally:
        PACKAGE = saved
    assert "sqlalchemy" in imports and "aidledger.disbursement.cycles.service.run" in imports
    assert not may_touch_storage("aidledger.disbursement.rules.bad")
    assert may_touch_storage("aidledger.disbursement.cycles.service.run")
    assert layer_of("aidledger.disbursement.cycles.service.run") > layer_of("aidledger.disbursement.rules.bad")


def test_models_alone_hold_every_table():
    """alembic sees `aidledger.models.metadata` without the CLI imported: it must name every tables module."""
    import subprocess
    import sys

    tables_modules = sorted(module_name(p) for p in MODULES if p.stem == "tables")
    script = ("import importlib, aidledger.models as m; before = set(m.metadata.tables); "
              f"[importlib.import_module(n) for n in {tables_modules!r}]; "
              "print(sorted(set(m.metadata.tables) - before))")
    missing = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True).stdout
    assert missing.strip() == "[]", f"tables that aidledger/models.py does not import: {missing}"
