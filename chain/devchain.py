"""The embedded development chain: Foundry's anvil (npm `@foundry-rs/anvil-linux-amd64`, fetched
into .tools/ by `make install`), its state kept in CHAIN_DATA_DIR so the chain survives restarts."""

from __future__ import annotations

import socket
import subprocess
import time
from pathlib import Path

ANVIL = Path(__file__).resolve().parent.parent / ".tools" / "node_modules" / "@foundry-rs" / "anvil-linux-amd64"
ANVIL_BINARY = ANVIL / "bin" / "anvil"
# Anvil's well-known development account 0 (the same on every machine): the embedded chain's minter.
DEV_MINTER_KEY = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80"
STARTUP_SECONDS = 30


def anvil_available() -> bool:
    return ANVIL_BINARY.exists()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _listening(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
    except OSError:
        return False
    return True


def start_anvil(*, data_dir: Path, chain_id: int, port: int) -> tuple[subprocess.Popen, str]:
    """Start anvil on loopback with its state in `data_dir`/anvil-state.json (loaded at start,
    written every second and at exit); return the process and its JSON-RPC URL."""
    if not anvil_available():
        raise RuntimeError(f"anvil is missing ({ANVIL_BINARY}): run `make install`")
    data_dir.mkdir(parents=True, exist_ok=True)
    command = [
        str(ANVIL_BINARY),
        "--host", "127.0.0.1",
        "--port", str(port),
        "--chain-id", str(chain_id),
        "--state", str(data_dir / "anvil-state.json"),
        "--state-interval", "1",
        "--silent",
    ]  # fmt: skip
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)  # noqa: S603 - fixed command
    deadline = time.monotonic() + STARTUP_SECONDS
    while not _listening(port):
        if process.poll() is not None:
            error = process.stderr.read().decode(errors="replace") if process.stderr else ""
            raise RuntimeError(f"anvil exited: {error}")
        if time.monotonic() > deadline:
            process.kill()
            raise RuntimeError("anvil did not start")
        time.sleep(0.05)
    return process, f"http://127.0.0.1:{port}"


def stop_anvil(process: subprocess.Popen) -> None:
    """SIGTERM lets anvil write its state file one last time."""
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
