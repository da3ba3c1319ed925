"""A small client of the chain adapter for the web app and the mint consumer: gRPC stubs, short
deadlines, the adapter's token as metadata. No web3 here: the key and the chain stay in the adapter."""

from __future__ import annotations

import functools
from collections.abc import Iterator
from typing import Any

import grpc
from django.conf import settings

from chain.proto import chain_adapter_pb2 as pb
from chain.proto import chain_adapter_pb2_grpc as pb_grpc

READ_TIMEOUT_SECONDS = 2.0
MINT_TIMEOUT_SECONDS = 180.0  # a mint waits for its confirmations


RECONNECT_OPTIONS = [
    ("grpc.initial_reconnect_backoff_ms", 100),
    ("grpc.min_reconnect_backoff_ms", 100),
    ("grpc.max_reconnect_backoff_ms", 1000),
]


class ChainUnavailable(Exception):
    """The adapter (or the chain behind it) did not answer in time."""


class ChainClient:
    def __init__(self, address: str, token: str = "") -> None:
        # An adapter back after a restart is found within about a second, not after gRPC's default
        # reconnect backoff (up to two minutes).
        self._channel = grpc.insecure_channel(address, options=RECONNECT_OPTIONS)
        self._stub = pb_grpc.ChainAdapterStub(self._channel)
        self._metadata = (("authorization", f"Bearer {token}"),) if token else ()

    def _call(self, method: str, request: object, timeout: float) -> Any:
        """The RPC's reply (a streaming RPC's replies, as a list); an adapter that is down or too slow
        raises ChainUnavailable, any other refusal its grpc.RpcError."""
        try:
            reply = getattr(self._stub, method)(request, timeout=timeout, metadata=self._metadata)
            return list(reply) if isinstance(reply, Iterator) else reply
        except grpc.RpcError as exc:
            if exc.code() in (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED):
                raise ChainUnavailable(exc.code().name) from exc
            raise

    def balance_of(self, address: str) -> pb.BalanceOfReply:
        """`balance` (token units, a decimal string), with the token's address and the chain id."""
        return self._call("BalanceOf", pb.BalanceOfRequest(address=address), READ_TIMEOUT_SECONDS)

    def mint(self, *, ref: bytes, to: str, amount: int) -> pb.MintReply:
        return self._call("Mint", pb.MintRequest(ref=ref, to=to, amount=str(amount)), MINT_TIMEOUT_SECONDS)

    def get_mint(self, *, ref: bytes) -> pb.MintReply:
        return self._call("GetMint", pb.GetMintRequest(ref=ref), READ_TIMEOUT_SECONDS)

    def list_mints(self, *, from_block: int = 0) -> list[pb.MintEvent]:
        return self._call("ListMints", pb.ListMintsRequest(from_block=from_block), MINT_TIMEOUT_SECONDS)

    def health(self) -> pb.HealthReply:
        return self._call("Health", pb.HealthRequest(), READ_TIMEOUT_SECONDS)

    def wait_until_ready(self, timeout: float) -> bool:
        """Whether the adapter is reachable within `timeout` seconds (a restarted one, say)."""
        try:
            grpc.channel_ready_future(self._channel).result(timeout=timeout)
        except grpc.FutureTimeoutError:
            return False
        return True

    def close(self) -> None:
        self._channel.close()


@functools.cache
def _client_for(address: str, token: str) -> ChainClient:
    return ChainClient(address, token)


def chain_client() -> ChainClient:
    """The process's client of the configured adapter (a gRPC channel reconnects by itself)."""
    return _client_for(settings.CHAIN_ADAPTER_ADDR, settings.CHAIN_ADAPTER_TOKEN)
