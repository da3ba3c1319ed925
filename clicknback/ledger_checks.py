"""The ledgers' self-checks, which `manage.py verify_ledger` runs.

Each app that keeps a ledger (wallets, reward points, ...) registers a check in its
`AppConfig.ready()`; the command runs every registered check, so it depends on no app and a new
ledger joins by registering, not by editing the command.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class LedgerCheck:
    """`find()` returns one human-readable line per discrepancy (none when the ledger is exact)."""

    name: str
    find: Callable[[], list[str]]
    ok_message: str


_CHECKS: dict[str, LedgerCheck] = {}


def ledger_check_register(check: LedgerCheck) -> None:
    _CHECKS[check.name] = check


def ledger_checks() -> list[LedgerCheck]:
    return list(_CHECKS.values())
