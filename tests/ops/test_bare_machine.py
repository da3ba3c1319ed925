"""A newcomer's bare machine: a test whose server is missing skips and says so; CI requires them all
and, in its bare-machine run, accepts no other skip (tests/required_servers.py)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from django.conf import settings

TESTS = """
import pytest

@pytest.mark.requires_server("chromium")
def test_needs_chromium():
    pass

def test_runs_anywhere():
    pass
"""
SKIPPED_FOR_NO_GOOD_REASON = """
def test_skipped_for_no_good_reason():
    pytest.skip("flaky, look at it later")
"""


# The plugin alone: no Django, no cache folder.
PYTEST = [sys.executable, "-m", "pytest", "-p", "tests.required_servers", "-p", "no:django", "-p", "no:cacheprovider"]


def run_pytest(tmp_path: Path, source: str, **env: str) -> subprocess.CompletedProcess[str]:
    """pytest on `source`, on a machine whose PATH holds no chromium."""
    (tmp_path / "test_sample.py").write_text(source)
    return subprocess.run(
        [*PYTEST, "-rfEs", "--rootdir", str(tmp_path), str(tmp_path)],
        cwd=settings.BASE_DIR,
        env={"PATH": str(tmp_path), "PYTHONPATH": str(settings.BASE_DIR), "HOME": os.environ.get("HOME", "/")} | env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_a_missing_server_is_a_visible_skip(tmp_path):
    done = run_pytest(tmp_path, TESTS, CLICKNBACK_EXPECTED_SKIPS_ONLY="1")
    assert done.returncode == 0, done.stdout
    assert "1 passed, 1 skipped" in done.stdout
    assert "SKIPPED [1]" in done.stdout and "needs a chromium executable on PATH" in done.stdout


def test_ci_turns_the_skip_into_a_failure(tmp_path):
    for required in ("redis,chromium", "all"):
        done = run_pytest(tmp_path, TESTS, CLICKNBACK_REQUIRE_SERVERS=required)
        assert done.returncode == 1, done.stdout
        assert "1 passed, 1 error" in done.stdout
        assert "CLICKNBACK_REQUIRE_SERVERS requires it" in done.stdout
    assert run_pytest(tmp_path, TESTS, CLICKNBACK_REQUIRE_SERVERS="redis").returncode == 0


def test_the_bare_machine_run_accepts_no_other_skip(tmp_path):
    source = TESTS + SKIPPED_FOR_NO_GOOD_REASON
    assert run_pytest(tmp_path, source).returncode == 0

    done = run_pytest(tmp_path, source, CLICKNBACK_EXPECTED_SKIPS_ONLY="1")
    assert done.returncode == 1, done.stdout
    assert "1 passed, 2 skipped" in done.stdout
    section = done.stdout.split("skipped for a reason other than a missing server")[1]
    assert "test_skipped_for_no_good_reason: flaky, look at it later" in section
    assert "test_needs_chromium" not in section
