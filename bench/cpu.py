"""CPU seconds of processes on this machine, read from /proc (Linux): a server's whole process
tree (master, workers, every thread) and the PostgreSQL backends serving it."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")


def process_cpu_seconds(pid: int) -> float:
    """User + system CPU of one process, all its threads; 0 once it is gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return 0.0
    fields = stat.rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def process_tree(pid: int) -> list[int]:
    """`pid` and all its descendants."""
    tree, pending = [], [pid]
    while pending:
        current = pending.pop()
        tree.append(current)
        for task in Path(f"/proc/{current}/task").glob("*/children"):
            try:
                pending.extend(int(child) for child in task.read_text().split())
            except FileNotFoundError:
                continue
    return tree


def cpu_by_pid(pids: list[int]) -> dict[int, float]:
    return {pid: process_cpu_seconds(pid) for pid in pids}


def cpu_spent(before: dict[int, float], after: dict[int, float]) -> float:
    """CPU the processes spent between two readings; a process born in between counts whole."""
    return sum(seconds - before.get(pid, 0.0) for pid, seconds in after.items())


def backend_pids(connection, *, application_name: str) -> list[int]:
    """The PostgreSQL backends whose client set this application name (`PGAPPNAME`)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pid FROM pg_stat_activity WHERE application_name = %s", [application_name])
        return [row[0] for row in cursor.fetchall()]


def cpu_during(work: Callable[[], T], **sources: Callable[[], list[int]]) -> tuple[T, dict[str, float]]:
    """`work()`'s result and the CPU seconds each source's processes (listed before and after it) spent meanwhile."""
    before = {name: cpu_by_pid(pids()) for name, pids in sources.items()}
    result = work()
    return result, {name: cpu_spent(before[name], cpu_by_pid(pids())) for name, pids in sources.items()}


def server_sources(pid: int, connection, *, application_name: str) -> dict[str, Callable[[], list[int]]]:
    """A server's process tree and the PostgreSQL backends it opened (its `PGAPPNAME`)."""
    return {
        "server": lambda: process_tree(pid),
        "postgresql": lambda: backend_pids(connection, application_name=application_name),
    }
