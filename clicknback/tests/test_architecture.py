"""Dependencies point one way (docs/architecture.md): nothing imports `backoffice`, no two apps
import each other, and the shared core `clicknback` imports a domain app only where listed below.

Read from the source with `ast` (every import, also those inside functions), so the rule holds
for code that is never run by a test.
"""

from __future__ import annotations

import ast
import itertools
from collections import defaultdict
from pathlib import Path

from django.conf import settings

APPS = (
    "accounts",
    "merchants",
    "offers",
    "purchases",
    "wallets",
    "payouts",
    "clicks",
    "claims",
    "backoffice",
    "clicknback",
)
DOMAIN_APPS = tuple(app for app in APPS if app not in ("backoffice", "clicknback"))

# The core is the project package too, so it knows the apps by name (settings, urls), as strings.
# Where it must import one, it does so inside a function, listed here with the reason.
CORE_IMPORTS = {
    ("clicknback/logging.py", "accounts"): "each request's log line names the partner that made it",
    ("clicknback/testing.py", "accounts"): "the tests' bearer client issues a real token",
}


def imported_apps(path: Path) -> set[str]:
    """The apps of ours that the module at `path` imports (absolute imports: the house style)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        else:
            continue
        found |= {name.split(".")[0] for name in names} & set(APPS)
    return found


def import_edges(base: Path = settings.BASE_DIR) -> dict[tuple[str, str], list[str]]:
    """(importing app, imported app) -> the modules that make that edge, across every module."""
    edges: dict[tuple[str, str], list[str]] = defaultdict(list)
    for app in APPS:
        for path in sorted((base / app).rglob("*.py")):
            module = path.relative_to(base).as_posix()
            for other in imported_apps(path) - {app}:
                edges[(app, other)].append(module)
    return edges


def is_runtime(module: str) -> bool:
    """Tests compose several apps to build their fixtures and nothing imports them; migrations are
    frozen history. Neither takes part in the dependency graph of the running code."""
    parts = module.split("/")
    return "tests" not in parts and "migrations" not in parts


def runtime_graph(edges: dict[tuple[str, str], list[str]]) -> dict[tuple[str, str], list[str]]:
    graph = {}
    for (app, other), modules in edges.items():
        kept = [module for module in modules if is_runtime(module) and (module, other) not in CORE_IMPORTS]
        if kept:
            graph[(app, other)] = kept
    return graph


def cycles(graph: dict[tuple[str, str], list[str]]) -> list[list[str]]:
    """Every cycle of apps, each once, as [a, b, ..., a] starting from its smallest app name."""
    successors: dict[str, set[str]] = defaultdict(set)
    for app, other in graph:
        successors[app].add(other)
    found: set[tuple[str, ...]] = set()

    def walk(path: list[str]) -> None:
        for other in sorted(successors[path[-1]]):
            if other == path[0]:
                found.add(tuple(path))
            elif other not in path and other > path[0]:
                walk([*path, other])

    for app in sorted(successors):
        walk([app])
    return [[*cycle, cycle[0]] for cycle in sorted(found)]


def describe(graph: dict[tuple[str, str], list[str]], cycle: list[str]) -> str:
    return "; ".join(f"{a} -> {b} ({', '.join(graph[(a, b)])})" for a, b in itertools.pairwise(cycle))


def test_nothing_imports_backoffice():
    offenders = {
        module
        for (app, other), modules in import_edges().items()
        if other == "backoffice" and app != "backoffice"
        for module in modules
    }
    assert not offenders, f"backoffice depends on the apps, never the reverse: {sorted(offenders)}"


def test_no_import_cycle_between_apps():
    graph = runtime_graph(import_edges())
    assert not [describe(graph, cycle) for cycle in cycles(graph)]


def test_the_core_imports_a_domain_app_only_where_listed():
    core = {
        (module, other)
        for (app, other), modules in import_edges().items()
        if app == "clicknback" and other in DOMAIN_APPS
        for module in modules
        if is_runtime(module)
    }
    assert core == set(CORE_IMPORTS)


def test_the_checks_see_a_cycle_and_an_import_of_backoffice(tmp_path: Path):
    """The rules above on a tree made to break them, so an always-green check cannot hide."""
    for app in APPS:
        (tmp_path / app).mkdir()
    (tmp_path / "merchants" / "admin.py").write_text("def f():\n    from offers.models import Offer\n")
    (tmp_path / "offers" / "models.py").write_text("from merchants.models import Merchant\n")
    (tmp_path / "payouts" / "views.py").write_text("import backoffice.groups\n")
    (tmp_path / "wallets" / "tests").mkdir()
    (tmp_path / "wallets" / "tests" / "test_x.py").write_text("from purchases.models import Purchase\n")
    (tmp_path / "purchases" / "services.py").write_text("from wallets.services import wallet_credit\n")

    edges = import_edges(tmp_path)
    graph = runtime_graph(edges)

    assert edges[("payouts", "backoffice")] == ["payouts/views.py"]
    assert cycles(graph) == [["merchants", "offers", "merchants"]]
    assert describe(graph, cycles(graph)[0]) == (
        "merchants -> offers (merchants/admin.py); offers -> merchants (offers/models.py)"
    )
