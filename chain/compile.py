"""Compile CashbackToken.sol with the pinned `solc` from the npm registry, reproducibly.

`make contracts` runs `python -m chain.compile`, writing chain/contracts/build/CashbackToken.json
(ABI, creation and runtime bytecode). The compiler version, EVM version and optimizer settings are
fixed here and the metadata hash is left out, so the same source gives the same bytes anywhere;
a test recompiles and compares with the committed file when the compiler is installed.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

SOLC_VERSION = "0.8.28"
EVM_VERSION = "cancun"
CONTRACTS = Path(__file__).resolve().parent / "contracts"
SOURCE = CONTRACTS / "CashbackToken.sol"
BUILD = CONTRACTS / "build" / "CashbackToken.json"
SOLCJS = Path(__file__).resolve().parent.parent / ".tools" / "node_modules" / ".bin" / "solcjs"


def standard_input() -> dict[str, Any]:
    return {
        "language": "Solidity",
        "sources": {"CashbackToken.sol": {"content": SOURCE.read_text()}},
        "settings": {
            "evmVersion": EVM_VERSION,
            "optimizer": {"enabled": True, "runs": 200},
            "metadata": {"bytecodeHash": "none", "appendCBOR": False},
            "outputSelection": {"CashbackToken.sol": {"CashbackToken": ["abi", "evm.bytecode.object"]}},
        },
    }


def solc_available() -> bool:
    return SOLCJS.exists()


def compile_token() -> dict[str, Any]:
    """The build artifact: {contractName, compiler, abi, bytecode}."""
    version = subprocess.run([SOLCJS, "--version"], capture_output=True, text=True, check=True).stdout.strip()  # noqa: S603
    if not version.startswith(SOLC_VERSION):
        raise RuntimeError(f"solc {SOLC_VERSION} is required, {version} is installed: run make install")
    completed = subprocess.run(  # noqa: S603 (our pinned compiler, fixed arguments)
        [SOLCJS, "--standard-json"], input=json.dumps(standard_input()), capture_output=True, text=True, check=True
    )
    # solcjs prints a note about SMT solvers before the JSON document.
    output = json.loads(completed.stdout[completed.stdout.index("{") :])
    problems = [error["formattedMessage"] for error in output.get("errors", []) if error["severity"] == "error"]
    if problems:
        raise RuntimeError("\n".join(problems))
    contract = output["contracts"]["CashbackToken.sol"]["CashbackToken"]
    return {
        "contractName": "CashbackToken",
        "compiler": {"solc": SOLC_VERSION, "evmVersion": EVM_VERSION, "optimizer": {"enabled": True, "runs": 200}},
        "abi": contract["abi"],
        "bytecode": "0x" + contract["evm"]["bytecode"]["object"],
    }


def artifact_text(artifact: dict[str, Any]) -> str:
    return json.dumps(artifact, indent=2, sort_keys=True) + "\n"


def main() -> None:
    BUILD.parent.mkdir(parents=True, exist_ok=True)
    BUILD.write_text(artifact_text(compile_token()))
    sys.stdout.write(f"wrote {BUILD}\n")


if __name__ == "__main__":
    main()
