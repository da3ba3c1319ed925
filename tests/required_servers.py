"""Servers a test needs but cannot start itself: skipped on a bare machine, required in CI.

`@pytest.mark.requires_server("redis")`: where the server is missing (a newcomer's machine) the
test skips, saying what is missing. CI has them all and sets `CLICKNBACK_REQUIRE_SERVERS=all`
(or a comma-separated list of names), which turns such a skip into a failure. With
`CLICKNBACK_EXPECTED_SKIPS_ONLY=1` the run fails if any test skips (or xfails) for another reason:
CI's bare-machine run checks exactly that. No Django here: `-p tests.required_servers` loads it alone.
"""

from __future__ import annotations

import functools
import os
import shutil
import socket
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

ANVIL_BINARY = ".tools/node_modules/@foundry-rs/anvil-linux-amd64/bin/anvil"  # chain/devchain.py's


def _listening(host: str, port: int) -> bool:
    try:
        socket.create_connection((host, port), timeout=1).close()
    except OSError:
        return False
    return True


SERVERS: dict[str, tuple[str, Callable[[], bool]]] = {
    "redis": ("a Redis server at 127.0.0.1:6379", lambda: _listening("127.0.0.1", 6379)),
    "chromium": ("a chromium executable on PATH (Debian's `chromium` package)", lambda: bool(shutil.which("chromium"))),
    "anvil": (
        "Foundry's anvil in .tools/ (`make install` fetches it from npm)",
        lambda: (Path(__file__).resolve().parent.parent / ANVIL_BINARY).exists(),
    ),
}

_skipped_for_a_missing_server: set[str] = set()
_skipped_otherwise: dict[str, str] = {}


@functools.cache
def _server_available(name: str) -> bool:
    return SERVERS[name][1]()


def _required_servers() -> set[str]:
    names = {name.strip() for name in os.environ.get("CLICKNBACK_REQUIRE_SERVERS", "").split(",") if name.strip()}
    return set(SERVERS) if "all" in names else names


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", f"requires_server(*names): needs a server it cannot start itself, one of {sorted(SERVERS)}"
    )


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        for marker in item.iter_markers("requires_server"):
            unknown = set(marker.args) - set(SERVERS)
            if unknown:
                raise pytest.UsageError(f"{item.nodeid}: unknown server(s) {sorted(unknown)}; known: {sorted(SERVERS)}")


def pytest_runtest_setup(item: pytest.Item) -> None:
    for marker in item.iter_markers("requires_server"):
        for name in marker.args:
            if _server_available(name):
                continue
            what = SERVERS[name][0]
            if name in _required_servers():
                pytest.fail(f"needs {what}, which is missing (CLICKNBACK_REQUIRE_SERVERS requires it)", pytrace=False)
            _skipped_for_a_missing_server.add(item.nodeid)
            pytest.skip(f"needs {what}, which is missing")


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.skipped and report.nodeid not in _skipped_for_a_missing_server:
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        _skipped_otherwise[report.nodeid] = getattr(report, "wasxfail", "") or reason.removeprefix("Skipped: ")


def _expected_skips_only() -> bool:
    return os.environ.get("CLICKNBACK_EXPECTED_SKIPS_ONLY") == "1"


def pytest_sessionfinish(session: pytest.Session) -> None:
    if _expected_skips_only() and _skipped_otherwise and session.exitstatus == pytest.ExitCode.OK:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if _expected_skips_only() and _skipped_otherwise:
        terminalreporter.section("skipped for a reason other than a missing server (CLICKNBACK_EXPECTED_SKIPS_ONLY)")
        for nodeid, reason in sorted(_skipped_otherwise.items()):
            terminalreporter.line(f"{nodeid}: {reason}")
