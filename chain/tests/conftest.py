"""The development chain for the contract and adapter tests: a fresh anvil per session, the token
deployed by the minter (anvil's account 0), the adapter served over gRPC on a free loopback port."""

from __future__ import annotations

import pytest
from eth_account import Account

from chain import devchain
from chain.client import ChainClient

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
