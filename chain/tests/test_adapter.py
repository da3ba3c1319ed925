"""The token on the development chain, through the chain adapter's gRPC service."""

from __future__ import annotations

import threading
import uuid

import grpc
import pytest

from chain.client import ChainClient, ChainUnavailable
from chain.proto import chain_adapter_pb2 as pb
from chain.reconcile import ref_of
from chain.tests.conftest import NOT_MINTER_KEY

pytestmark = pytest.mark.requires_server("anvil")


def new_ref() -> bytes:
    return ref_of(uuid.uuid4())


def test_health_names_the_chain_and_the_token(devnet):
    health = devnet.client.health()
    assert (health.chain_id, health.token_address, health.minter) == (31337, devnet.token, devnet.gateway.minter)


def test_mint_credits_the_balance_and_emits_minted(devnet, holder):
    ref = new_ref()
    reply = devnet.client.mint(ref=ref, to=holder, amount=1234)

    assert reply.status == pb.MINTED
    assert reply.tx_hash.startswith("0x") and reply.block_number > 0
    assert int(devnet.client.balance_of(holder).balance) == 1234
    events = [event[:4] for event in devnet.gateway.minted_events() if event[2] == ref]
    assert events == [(holder, 1234, ref, reply.tx_hash)]


def test_a_second_mint_with_the_same_ref_mints_nothing_and_answers_the_first(devnet, holder):
    ref = new_ref()
    first = devnet.client.mint(ref=ref, to=holder, amount=500)

    second = devnet.client.mint(ref=ref, to=holder, amount=700)

    assert second.status == pb.ALREADY_MINTED
    assert (second.tx_hash, second.block_number, second.to, second.amount) == (
        first.tx_hash,
        first.block_number,
        holder,
        "500",
    )
    assert int(devnet.client.balance_of(holder).balance) == 500
    found = devnet.client.get_mint(ref=ref)
    assert (found.status, found.tx_hash, found.amount) == (pb.MINTED, first.tx_hash, "500")


def test_the_contract_itself_refuses_a_used_ref(devnet, holder):
    from web3.exceptions import ContractLogicError

    ref = new_ref()
    devnet.client.mint(ref=ref, to=holder, amount=1)
    minter = devnet.gateway.minter
    with pytest.raises(ContractLogicError):
        devnet.gateway.token.functions.mint(holder, 1, ref).call({"from": minter})


def test_get_mint_of_an_unknown_ref_is_not_found(devnet):
    assert devnet.client.get_mint(ref=new_ref()).status == pb.NOT_FOUND


def test_only_the_minter_mints(devnet, holder):
    from chain.adapter import ChainGateway

    intruder = ChainGateway(
        w3=devnet.gateway.w3, private_key=NOT_MINTER_KEY, token_address=devnet.token, confirmations=1
    )
    ref = new_ref()

    assert intruder.mint(ref=ref, to=holder, amount=100).status == pb.REVERTED
    assert int(devnet.client.balance_of(holder).balance) == 0
    assert devnet.client.get_mint(ref=ref).status == pb.NOT_FOUND


def test_concurrent_mints_each_get_their_own_nonce(devnet, holder):
    refs = [new_ref() for _ in range(8)]
    barrier = threading.Barrier(len(refs))
    replies: list = [None] * len(refs)

    def mint(index: int) -> None:
        barrier.wait(timeout=30)
        replies[index] = devnet.client.mint(ref=refs[index], to=holder, amount=index + 1)

    threads = [threading.Thread(target=mint, args=(index,)) for index in range(len(refs))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert [reply.status for reply in replies] == [pb.MINTED] * len(refs)
    assert int(devnet.client.balance_of(holder).balance) == sum(range(1, len(refs) + 1))


def test_a_restarted_adapter_continues_from_the_nodes_nonce(devnet, holder):
    from chain.adapter import ChainGateway
    from chain.devchain import DEV_MINTER_KEY

    devnet.client.mint(ref=new_ref(), to=holder, amount=1)
    restarted = ChainGateway(
        w3=devnet.gateway.w3, private_key=DEV_MINTER_KEY, token_address=devnet.token, confirmations=1
    )

    assert restarted.mint(ref=new_ref(), to=holder, amount=2).status == pb.MINTED
    assert devnet.client.mint(ref=new_ref(), to=holder, amount=4).status == pb.MINTED
    assert int(devnet.client.balance_of(holder).balance) == 7


def test_bad_input_is_invalid_argument(devnet, holder):
    with pytest.raises(grpc.RpcError) as short_ref:
        devnet.client.mint(ref=b"short", to=holder, amount=1)
    assert short_ref.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    with pytest.raises(grpc.RpcError) as zero:
        devnet.client.mint(ref=new_ref(), to=holder, amount=0)
    assert zero.value.code() == grpc.StatusCode.INVALID_ARGUMENT


def test_an_adapter_that_is_down_is_chain_unavailable():
    from chain.devchain import free_port

    with pytest.raises(ChainUnavailable):
        ChainClient(f"127.0.0.1:{free_port()}").balance_of("0x" + "11" * 20)


def test_off_loopback_the_adapter_needs_a_token_and_checks_it(devnet, holder):
    from chain.adapter import serve

    with pytest.raises(ValueError, match="CHAIN_ADAPTER_TOKEN"):
        serve(devnet.gateway, listen_address="0.0.0.0:0")
    server, port = serve(devnet.gateway, listen_address="127.0.0.1:0", token="s3cret")
    try:
        with pytest.raises(grpc.RpcError) as refused:
            ChainClient(f"127.0.0.1:{port}", token="wrong").health()
        assert refused.value.code() == grpc.StatusCode.UNAUTHENTICATED
        assert ChainClient(f"127.0.0.1:{port}", token="s3cret").health().chain_id == 31337
    finally:
        server.stop(grace=None)


def test_the_minter_key_is_never_logged(devnet, holder, caplog):
    from chain.devchain import DEV_MINTER_KEY

    caplog.set_level("DEBUG")
    devnet.client.mint(ref=new_ref(), to=holder, amount=3)
    assert DEV_MINTER_KEY.removeprefix("0x") not in caplog.text


def test_the_development_chain_keeps_the_token_and_balances_across_restarts(tmp_path, holder):
    from chain.adapter import ChainGateway, connect, token_deployed_once
    from chain.devchain import DEV_MINTER_KEY, free_port, start_anvil, stop_anvil

    address_file = tmp_path / "token-address.txt"
    process, rpc_url = start_anvil(data_dir=tmp_path, chain_id=31337, port=free_port())
    try:
        token = token_deployed_once(connect(rpc_url), DEV_MINTER_KEY, address_file)
        gateway = ChainGateway(w3=connect(rpc_url), private_key=DEV_MINTER_KEY, token_address=token, confirmations=1)
        gateway.mint(ref=new_ref(), to=holder, amount=42)
    finally:
        stop_anvil(process)

    process, rpc_url = start_anvil(data_dir=tmp_path, chain_id=31337, port=free_port())
    try:
        assert token_deployed_once(connect(rpc_url), DEV_MINTER_KEY, address_file) == token
        gateway = ChainGateway(w3=connect(rpc_url), private_key=DEV_MINTER_KEY, token_address=token, confirmations=1)
        assert gateway.balance_of(holder)[0] == 42
        assert gateway.mint(ref=new_ref(), to=holder, amount=1).status == pb.MINTED
    finally:
        stop_anvil(process)
