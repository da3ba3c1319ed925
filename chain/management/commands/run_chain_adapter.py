"""Serve the chain adapter over gRPC on CHAIN_ADAPTER_ADDR.

Without CHAIN_RPC_URL it starts the embedded development chain (anvil, state in CHAIN_DATA_DIR),
mints with anvil's development key 0 unless MINTER_PRIVATE_KEY is set, and deploys the token once.
"""

from __future__ import annotations

import signal
import threading

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from chain.adapter import adapter_from_settings


class Command(BaseCommand):
    help = "Serve the chain adapter (gRPC); the embedded development chain when CHAIN_RPC_URL is unset."

    def handle(self, *args, **options) -> None:
        try:
            adapter = adapter_from_settings(listen_address=settings.CHAIN_ADAPTER_ADDR)
        except ValueError as exc:  # AdapterConfigError, or serve's refusal of an unguarded address
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"chain adapter on {settings.CHAIN_ADAPTER_ADDR}: chain {settings.CHAIN_ID}, "
            f"token {adapter.gateway.token.address}, minter {adapter.gateway.minter}"
        )
        stopping = threading.Event()
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, lambda *_: stopping.set())
        try:
            stopping.wait()
        finally:
            adapter.stop()
