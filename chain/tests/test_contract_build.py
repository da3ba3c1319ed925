"""The committed ABI and bytecode are what the pinned compiler makes of the committed source."""

import json

import pytest

from chain.compile import BUILD, artifact_text, compile_token, solc_available


@pytest.mark.skipif(not solc_available(), reason="the pinned solc is not installed (make install fetches it)")
def test_the_committed_build_equals_a_fresh_compile():
    assert BUILD.read_text() == artifact_text(compile_token()), "run `make contracts` and commit the build"


def test_the_token_has_the_contract_interface():
    abi = json.loads(BUILD.read_text())["abi"]
    functions = {entry["name"]: entry for entry in abi if entry["type"] == "function"}
    assert [i["type"] for i in functions["mint"]["inputs"]] == ["address", "uint256", "bytes32"]
    assert [o["type"] for o in functions["mintOf"]["outputs"]] == ["address", "uint256", "uint256"]
    minted = next(entry for entry in abi if entry.get("name") == "Minted")
    assert [(i["type"], i["indexed"]) for i in minted["inputs"]] == [
        ("address", True),
        ("uint256", False),
        ("bytes32", True),
    ]
