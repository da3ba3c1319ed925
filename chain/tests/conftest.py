"""The development chain for the contract and adapter tests: a fresh anvil per session, the token
deployed by the minter (anvil's account 0), the adapter served over gRPC on a free loopback port."""

from __future__ import annotations

import pytest
from eth_account import Account

from chain import devchain
from chain.client import ChainClient
from events.tests.conftest import jetstream  # noqa: F401 - a stream of the test's own
from purchases.tests.conftest import no_review_delay  # noqa: F401 - a fixture shared with purchases

# Anvil's well-known development account 1: funded, but not the token's minter.
NOT_MINTER_KEY = "0x59c6995e998f97a5a0044966f0945389dc9ec5dc2a8c3db0c1bd3bd6a2cfc5d7"


@pytest.fixture(scope="session")
def devnet(tmp_path_factory):
    from chain.adapter import ChainGateway, connect, deploy_token, serve

    process, rpc_url = devchain.start_anvil(
        data_dir=tmp_path_factory.mktemp("anvil"), chain_id=31337, port=devchain.free_port()
    )
    try:
        w3 = connect(rpc_url)
        token_address = deploy_token(w3, devchain.DEV_MINTER_KEY)
        gateway = ChainGateway(w3=w3, private_key=devchain.DEV_MINTER_KEY, token_address=token_address, confirmations=1)
        server, port = serve(gateway, listen_address="127.0.0.1:0")
        client = ChainClient(f"127.0.0.1:{port}")
        yield type(
            "Devnet",
            (),
            {
                "rpc_url": rpc_url,
                "gateway": gateway,
                "client": client,
                "client_address": f"127.0.0.1:{port}",
                "token": token_address,
            },
        )
        client.close()
        server.stop(grace=None)
    finally:
        devchain.stop_anvil(process)


@pytest.fixture
def holder() -> str:
    return Account.create().address


class TokenChain:
    """A token of its own on the development chain and the adapter serving it, which the app's
    client (`CHAIN_ADAPTER_ADDR`) points at: its Minted events are one test's alone."""

    def __init__(self, gateway, port: int) -> None:
        self.gateway, self.port = gateway, port
        self.server = None
        self.start()

    @property
    def token(self) -> str:
        return self.gateway.token.address

    def start(self) -> None:
        from chain.adapter import serve

        self.server, _ = serve(self.gateway, listen_address=f"127.0.0.1:{self.port}")

    def stop(self) -> None:
        self.server.stop(grace=None).wait()

    def balance(self, address: str) -> int:
        return self.gateway.balance_of(address)[0]

    def mints(self, ref: bytes) -> list:
        return [event for event in self.gateway.minted_events() if event[2] == ref]


@pytest.fixture
def make_token_chain(devnet, settings):
    """Deploy a fresh token (the development key is its minter) and serve it with `adapter_key`
    (another key: every mint reverts). The mint consumer's circuit breaker starts closed."""
    from chain.adapter import ChainGateway, deploy_token
    from chain.mint import adapter_breaker

    chains: list[TokenChain] = []

    def make(adapter_key: str = devchain.DEV_MINTER_KEY) -> TokenChain:
        token = deploy_token(devnet.gateway.w3, devchain.DEV_MINTER_KEY)
        gateway = ChainGateway(w3=devnet.gateway.w3, private_key=adapter_key, token_address=token, confirmations=1)
        chain = TokenChain(gateway, devchain.free_port())
        settings.CHAIN_ADAPTER_ADDR = f"127.0.0.1:{chain.port}"
        chains.append(chain)
        return chain

    adapter_breaker.close()
    yield make
    for chain in chains:
        chain.stop()
    adapter_breaker.close()


@pytest.fixture
def token_chain(make_token_chain) -> TokenChain:
    return make_token_chain()
