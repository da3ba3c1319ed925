"""Serve the chain adapter over gRPC on CHAIN_ADAPTER_ADDR.

Without CHAIN_RPC_URL it starts the embedded development chain (anvil, state in CHAIN_DATA_DIR),
mints with anvil's development key 0 unless MINTER_PRIVATE_KEY is set, and deploys the token once.
"""

from __future__ import annotations

import signal
import threading

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from chain import devchain
from chain.adapter import ChainGateway, connect, serve, token_deployed_once


class Command(BaseCommand):
    help = "Serve the chain adapter (gRPC); the embedded development chain when CHAIN_RPC_URL is unset."

    def handle(self, *args, **options) -> None:
        anvil = None
        rpc_url, private_key = settings.CHAIN_RPC_URL, settings.MINTER_PRIVATE_KEY
        if not rpc_url:
            anvil, rpc_url = devchain.start_anvil(
                data_dir=settings.CHAIN_DATA_DIR, chain_id=settings.CHAIN_ID, port=devchain.free_port()
            )
            private_key = private_key or devchain.DEV_MINTER_KEY
        elif not private_key:
            raise CommandError("MINTER_PRIVATE_KEY is required with CHAIN_RPC_URL")
        try:
            w3 = connect(rpc_url)
            if w3.eth.chain_id != settings.CHAIN_ID:
                raise CommandError(f"the node's chain id is {w3.eth.chain_id}, CHAIN_ID is {settings.CHAIN_ID}")
            token_address = settings.TOKEN_ADDRESS
            if not token_address:
                if not anvil:
                    raise CommandError("TOKEN_ADDRESS is required with CHAIN_RPC_URL")
                address_file = settings.CHAIN_DATA_DIR / f"token-address-{settings.CHAIN_ID}.txt"
                token_address = token_deployed_once(w3, private_key, address_file)
            gateway = ChainGateway(
                w3=w3,
                private_key=private_key,
                token_address=token_address,
                confirmations=settings.CHAIN_CONFIRMATIONS,
            )
            try:
                server, _port = serve(
                    gateway, listen_address=settings.CHAIN_ADAPTER_ADDR, token=settings.CHAIN_ADAPTER_TOKEN
                )
            except ValueError as exc:
                raise CommandError(str(exc)) from exc
            self.stdout.write(
                f"chain adapter on {settings.CHAIN_ADAPTER_ADDR}: chain {settings.CHAIN_ID}, "
                f"token {token_address}, minter {gateway.minter}"
            )
            stopping = threading.Event()
            for signum in (signal.SIGINT, signal.SIGTERM):
                signal.signal(signum, lambda *_: stopping.set())
            stopping.wait()
            server.stop(grace=5).wait()
        finally:
            if anvil:
                devchain.stop_anvil(anvil)
