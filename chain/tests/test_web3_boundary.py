"""Only the chain adapter talks to the chain: no other module of the project imports web3
(docs: events.md, "Tokens"). Read with `ast`, so code no test runs is held to it too."""

from __future__ import annotations

import ast
from pathlib import Path

from django.conf import settings

ADAPTER = "chain/adapter.py"
SKIPPED_DIRS = {".venv", ".tools", ".pgdata", ".chaindata", "node_modules", ".git"}


def imports_web3(path: Path) -> bool:
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        else:
            continue
        if any(name.split(".")[0] == "web3" for name in names):
            return True
    return False


def modules_importing_web3(base: Path) -> list[str]:
    found = []
    for path in sorted(base.rglob("*.py")):
        relative = path.relative_to(base)
        if SKIPPED_DIRS & set(relative.parts):
            continue
        if "tests" in relative.parts:  # the chain's own tests drive the contract directly
            continue
        if imports_web3(path):
            found.append(relative.as_posix())
    return found


def test_only_the_adapter_imports_web3():
    assert modules_importing_web3(settings.BASE_DIR) == [ADAPTER]


def test_the_scan_sees_an_import_inside_a_function(tmp_path):
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "sneaky.py").write_text("def f():\n    from web3 import Web3\n    return Web3\n")
    (tmp_path / "app" / "fine.py").write_text("import web3x\n")
    assert modules_importing_web3(tmp_path) == ["app/sneaky.py"]
