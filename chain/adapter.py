"""The chain adapter: the only module that imports web3 (a test holds it to that).

`ChainGateway` talks JSON-RPC to the node with the minter key; `ChainAdapterService` serves it over
gRPC (chain/proto/chain_adapter.proto) to the web app and the mint consumer, which never see a key.
"""

from __future__ import annotations

import hmac
import json
import logging
import threading
import time
from concurrent import futures
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import grpc
from eth_account import Account
from web3 import Web3
from web3.exceptions import ContractLogicError, TimeExhausted

from chain.compile import BUILD
from chain.proto import chain_adapter_pb2 as pb
from chain.proto import chain_adapter_pb2_grpc as pb_grpc

logger = logging.getLogger(__name__)

RPC_TIMEOUT_SECONDS = 10
RECEIPT_TIMEOUT_SECONDS = 120
POLL_SECONDS = 0.1


def token_artifact() -> dict[str, Any]:
    return json.loads(BUILD.read_text())


@dataclass(frozen=True)
class MintRecord:
    status: int  # pb.MintStatus
    tx_hash: str = ""
    block_number: int = 0
    to: str = ""
    amount: int = 0


def connect(rpc_url: str) -> Web3:
    return Web3(Web3.HTTPProvider(rpc_url, request_kwargs={"timeout": RPC_TIMEOUT_SECONDS}))


def deploy_token(w3: Web3, private_key: str) -> str:
    """Deploy CashbackToken from the key's account (its admin and minter); return its address."""
    artifact = token_artifact()
    account = Account.from_key(private_key)
    contract = w3.eth.contract(abi=artifact["abi"], bytecode=artifact["bytecode"])
    transaction = contract.constructor().build_transaction(
        {"from": account.address, "nonce": w3.eth.get_transaction_count(account.address, "pending")}
    )
    signed = account.sign_transaction(transaction)
    receipt = w3.eth.wait_for_transaction_receipt(w3.eth.send_raw_transaction(signed.raw_transaction))
    if receipt["status"] != 1:
        raise RuntimeError("the token's deployment reverted")
    return receipt["contractAddress"]


def token_deployed_once(w3: Web3, private_key: str, address_file: Path) -> str:
    """The embedded chain's token: the address remembered in `address_file` while the chain still
    has its code (state kept across restarts), else a fresh deployment, remembered."""
    if address_file.exists():
        address = address_file.read_text().strip()
        if w3.eth.get_code(Web3.to_checksum_address(address)):
            return Web3.to_checksum_address(address)
    address = deploy_token(w3, private_key)
    address_file.parent.mkdir(parents=True, exist_ok=True)
    address_file.write_text(address + "\n")
    logger.info("CashbackToken deployed at %s", address)
    return address


class ChainGateway:
    """Mints and reads the token. Thread-safe: the gRPC server calls it from a pool.

    Nonces: under a lock, the next nonce is the larger of the one we last used + 1 and the node's
    pending count, so concurrent mints never share one and a restart (or another sender) picks up
    from the node. A failed send forgets the local nonce, which is read from the node again.
    """

    def __init__(self, *, w3: Web3, private_key: str, token_address: str, confirmations: int) -> None:
        self.w3 = w3
        self._account = Account.from_key(private_key)  # the key itself is never logged nor kept elsewhere
        self.token = w3.eth.contract(address=Web3.to_checksum_address(token_address), abi=token_artifact()["abi"])
        self.confirmations = max(1, confirmations)
        self._nonce_lock = threading.Lock()
        self._next_nonce: int | None = None

    @property
    def minter(self) -> str:
        return self._account.address

    def _send(self, call: Any) -> bytes:
        with self._nonce_lock:
            pending = self.w3.eth.get_transaction_count(self._account.address, "pending")
            nonce = max(pending, self._next_nonce or 0)
            # Estimating gas runs the call: a revert (a used ref, not the minter) raises here, unsent.
            transaction = call.build_transaction({"from": self._account.address, "nonce": nonce})
            try:
                tx_hash = self.w3.eth.send_raw_transaction(self._account.sign_transaction(transaction).raw_transaction)
            except Exception:
                self._next_nonce = None
                raise
            self._next_nonce = nonce + 1
        return tx_hash

    def _wait_confirmed(self, tx_hash: bytes) -> Any:
        receipt = self.w3.eth.wait_for_transaction_receipt(
            tx_hash, timeout=RECEIPT_TIMEOUT_SECONDS, poll_latency=POLL_SECONDS
        )
        while self.w3.eth.block_number - receipt["blockNumber"] + 1 < self.confirmations:
            time.sleep(POLL_SECONDS)
        return receipt

    def mint(self, *, ref: bytes, to: str, amount: int) -> MintRecord:
        """Mint once for `ref`: a used ref answers the existing mint (ALREADY_MINTED), whoever made it."""
        existing = self.get_mint(ref=ref)
        if existing.status != pb.NOT_FOUND:
            return MintRecord(pb.ALREADY_MINTED, existing.tx_hash, existing.block_number, existing.to, existing.amount)
        try:
            tx_hash = self._send(self.token.functions.mint(Web3.to_checksum_address(to), amount, ref))
        except ContractLogicError:
            return self._already_minted_or(ref, MintRecord(pb.REVERTED))
        receipt = self._wait_confirmed(tx_hash)
        if receipt["status"] != 1:
            return self._already_minted_or(ref, MintRecord(pb.REVERTED, "0x" + tx_hash.hex().removeprefix("0x")))
        return MintRecord(pb.MINTED, "0x" + tx_hash.hex().removeprefix("0x"), receipt["blockNumber"], to, amount)

    def _already_minted_or(self, ref: bytes, otherwise: MintRecord) -> MintRecord:
        """A concurrent mint of the same ref won the race: its mint is the answer."""
        existing = self.get_mint(ref=ref)
        if existing.status == pb.NOT_FOUND:
            return otherwise
        return MintRecord(pb.ALREADY_MINTED, existing.tx_hash, existing.block_number, existing.to, existing.amount)

    def get_mint(self, *, ref: bytes) -> MintRecord:
        to, amount, block_number = self.token.functions.mintOf(ref).call()
        if block_number == 0:
            return MintRecord(pb.NOT_FOUND)
        logs = self.token.events.Minted.get_logs(
            from_block=block_number, to_block=block_number, argument_filters={"ref": ref}
        )
        tx_hash = "0x" + logs[0]["transactionHash"].hex().removeprefix("0x") if logs else ""
        return MintRecord(pb.MINTED, tx_hash, block_number, to, amount)

    def balance_of(self, address: str) -> tuple[int, int]:
        block_number = self.w3.eth.block_number
        balance = self.token.functions.balanceOf(Web3.to_checksum_address(address)).call(block_identifier=block_number)
        return balance, block_number

    def minted_events(self, *, from_block: int = 0) -> list[tuple[str, int, bytes, str, int]]:
        """Every Minted event, oldest first: (to, amount, ref, tx_hash, block_number). For reconciliation."""
        logs = self.token.events.Minted.get_logs(from_block=from_block, to_block="latest")
        return [
            (
                log["args"]["to"],
                log["args"]["amount"],
                log["args"]["ref"],
                "0x" + log["transactionHash"].hex().removeprefix("0x"),
                log["blockNumber"],
            )
            for log in logs
        ]


def _mint_reply(record: MintRecord) -> pb.MintReply:
    return pb.MintReply(
        status=record.status,
        tx_hash=record.tx_hash,
        block_number=record.block_number,
        to=record.to,
        amount=str(record.amount) if record.amount else "",
    )


class ChainAdapterService(pb_grpc.ChainAdapterServicer):
    """gRPC in, ChainGateway calls out. Bad input → INVALID_ARGUMENT; the node unreachable → UNAVAILABLE."""

    def __init__(self, gateway: ChainGateway) -> None:
        self.gateway = gateway

    def _guard(self, context: grpc.ServicerContext, work: Any) -> Any:
        try:
            return work()
        except (ValueError, TypeError) as exc:
            context.abort(grpc.StatusCode.INVALID_ARGUMENT, str(exc))
        except (OSError, TimeExhausted) as exc:
            logger.warning("chain node unavailable: %s", exc.__class__.__name__)
            context.abort(grpc.StatusCode.UNAVAILABLE, "the chain node is unavailable")
        except Exception as exc:
            if "Connection" in exc.__class__.__name__:
                context.abort(grpc.StatusCode.UNAVAILABLE, "the chain node is unavailable")
            raise

    @staticmethod
    def _ref(raw: bytes) -> bytes:
        if len(raw) != 32:
            raise ValueError("ref must be 32 bytes")
        return raw

    @staticmethod
    def _address(raw: str) -> str:
        if not Web3.is_address(raw):
            raise ValueError("not an address")
        return Web3.to_checksum_address(raw)

    @staticmethod
    def _amount(raw: str) -> int:
        amount = int(raw)
        if amount <= 0:
            raise ValueError("amount must be positive")
        return amount

    def Mint(self, request: pb.MintRequest, context: grpc.ServicerContext) -> pb.MintReply:
        return self._guard(
            context,
            lambda: _mint_reply(
                self.gateway.mint(
                    ref=self._ref(request.ref), to=self._address(request.to), amount=self._amount(request.amount)
                )
            ),
        )

    def GetMint(self, request: pb.GetMintRequest, context: grpc.ServicerContext) -> pb.MintReply:
        return self._guard(context, lambda: _mint_reply(self.gateway.get_mint(ref=self._ref(request.ref))))

    def BalanceOf(self, request: pb.BalanceOfRequest, context: grpc.ServicerContext) -> pb.BalanceOfReply:
        def work() -> pb.BalanceOfReply:
            balance, block_number = self.gateway.balance_of(self._address(request.address))
            return pb.BalanceOfReply(
                balance=str(balance),
                block_number=block_number,
                token_address=self.gateway.token.address,
                chain_id=self.gateway.w3.eth.chain_id,
            )

        return self._guard(context, work)

    def Health(self, request: pb.HealthRequest, context: grpc.ServicerContext) -> pb.HealthReply:
        return self._guard(
            context,
            lambda: pb.HealthReply(
                chain_id=self.gateway.w3.eth.chain_id,
                block_number=self.gateway.w3.eth.block_number,
                token_address=self.gateway.token.address,
                minter=self.gateway.minter,
            ),
        )

    def ListMints(self, request: pb.ListMintsRequest, context: grpc.ServicerContext) -> Any:
        events = self._guard(context, lambda: self.gateway.minted_events(from_block=request.from_block))
        for to, amount, ref, tx_hash, block_number in events:
            yield pb.MintEvent(ref=ref, to=to, amount=str(amount), tx_hash=tx_hash, block_number=block_number)


class TokenInterceptor(grpc.ServerInterceptor):
    """Every call carries `authorization: Bearer <CHAIN_ADAPTER_TOKEN>`, else UNAUTHENTICATED."""

    def __init__(self, token: str) -> None:
        self._expected = f"Bearer {token}".encode()

        def refuse(request: Any, context: grpc.ServicerContext) -> None:
            context.abort(grpc.StatusCode.UNAUTHENTICATED, "a valid adapter token is required")

        self._refusal = grpc.unary_unary_rpc_method_handler(refuse)

    def intercept_service(self, continuation: Any, handler_call_details: Any) -> Any:
        sent = dict(handler_call_details.invocation_metadata or ()).get("authorization", "")
        if hmac.compare_digest(sent.encode(), self._expected):
            return continuation(handler_call_details)
        return self._refusal


def is_loopback(listen_address: str) -> bool:
    host = listen_address.rsplit(":", 1)[0].strip("[]")
    return host in ("127.0.0.1", "::1", "localhost") or host.startswith("127.")


def serve(gateway: ChainGateway, *, listen_address: str, token: str = "", workers: int = 16) -> tuple[grpc.Server, int]:
    """Start serving; return the server and its port. Off loopback, a token is required."""
    if not is_loopback(listen_address) and not token:
        raise ValueError("CHAIN_ADAPTER_TOKEN is required to listen on a non-loopback address")
    interceptors = [TokenInterceptor(token)] if token else []
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=workers), interceptors=interceptors)
    pb_grpc.add_ChainAdapterServicer_to_server(ChainAdapterService(gateway), server)
    port = server.add_insecure_port(listen_address)
    server.start()
    return server, port


class AdapterConfigError(ValueError):
    """The settings do not describe a chain the adapter can serve."""


@dataclass
class RunningAdapter:
    server: grpc.Server
    port: int
    gateway: ChainGateway
    anvil: Any = None  # the embedded chain's process, when the adapter started one

    def stop(self, grace: float = 5) -> None:
        self.server.stop(grace=grace).wait()
        if self.anvil is not None:
            from chain import devchain

            devchain.stop_anvil(self.anvil)


def adapter_from_settings(*, listen_address: str) -> RunningAdapter:
    """Serve the adapter the settings describe (`run_chain_adapter`, and `seed_demo` for its mint).

    Without CHAIN_RPC_URL it starts the embedded development chain (anvil, state in CHAIN_DATA_DIR),
    mints with anvil's development key 0 unless MINTER_PRIVATE_KEY is set, and deploys the token once.
    """
    from django.conf import settings

    from chain import devchain

    anvil = None
    rpc_url, private_key = settings.CHAIN_RPC_URL, settings.MINTER_PRIVATE_KEY
    if not rpc_url:
        anvil, rpc_url = devchain.start_anvil(
            data_dir=settings.CHAIN_DATA_DIR, chain_id=settings.CHAIN_ID, port=devchain.free_port()
        )
        private_key = private_key or devchain.DEV_MINTER_KEY
    elif not private_key:
        raise AdapterConfigError("MINTER_PRIVATE_KEY is required with CHAIN_RPC_URL")
    try:
        w3 = connect(rpc_url)
        if w3.eth.chain_id != settings.CHAIN_ID:
            raise AdapterConfigError(f"the node's chain id is {w3.eth.chain_id}, CHAIN_ID is {settings.CHAIN_ID}")
        token_address = settings.TOKEN_ADDRESS
        if not token_address:
            if not anvil:
                raise AdapterConfigError("TOKEN_ADDRESS is required with CHAIN_RPC_URL")
            address_file = settings.CHAIN_DATA_DIR / f"token-address-{settings.CHAIN_ID}.txt"
            token_address = token_deployed_once(w3, private_key, address_file)
        gateway = ChainGateway(
            w3=w3, private_key=private_key, token_address=token_address, confirmations=settings.CHAIN_CONFIRMATIONS
        )
        server, port = serve(gateway, listen_address=listen_address, token=settings.CHAIN_ADAPTER_TOKEN)
    except Exception:
        if anvil is not None:
            devchain.stop_anvil(anvil)
        raise
    return RunningAdapter(server, port, gateway, anvil)
