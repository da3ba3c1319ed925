"""Shared pieces of the reliability suite: the figures of the run (cases fuzzed, operations
hammered, faults injected, invariant violations), printed at the end of the session."""

from __future__ import annotations

import json
import os
from collections import Counter
from pathlib import Path

import pytest

RUN_FIGURES: Counter[str] = Counter()


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if not RUN_FIGURES:
        return
    terminalreporter.section("reliability figures")
    for name, value in sorted(RUN_FIGURES.items()):
        terminalreporter.write_line(f"{name}: {value}")
    if target := os.environ.get("RELIABILITY_FIGURES"):  # `docs/reliability.md` quotes this file
        Path(target).write_text(json.dumps(dict(sorted(RUN_FIGURES.items())), indent=2) + "\n")
