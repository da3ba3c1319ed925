"""Reconciliation of the chain with the database: what was minted per address against what the
completed token payouts say should have been. The chain is the truth for ownership; a difference is
a finding for staff, never corrected automatically."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass


def ref_of(payout_id: uuid.UUID) -> bytes:
    """The contract's bytes32 ref of a payout: its 16-byte UUID, left-aligned and zero-padded."""
    return payout_id.bytes.ljust(32, b"\0")


@dataclass(frozen=True)
class Mint:
    ref: bytes
    to: str
    amount: int


@dataclass(frozen=True)
class ChainDifference:
    address: str
    what: str
    on_chain: int | str
    in_database: int | str

    def __str__(self) -> str:
        return f"{self.address}: {self.what}: chain {self.on_chain}, database {self.in_database}"


def chain_differences(*, on_chain: Iterable[Mint], expected: Mapping[bytes, Mint]) -> list[ChainDifference]:
    """Per address, the minted total on chain against the expected one, then every ref on one side
    only or minted to another address or amount. Sorted, so two runs print the same report."""
    chain_by_ref = {mint.ref: mint for mint in on_chain}
    totals: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for mint in chain_by_ref.values():
        totals[mint.to][0] += mint.amount
    for mint in expected.values():
        totals[mint.to][1] += mint.amount
    found = [
        ChainDifference(address, "minted total", chain_total, database_total)
        for address, (chain_total, database_total) in totals.items()
        if chain_total != database_total
    ]
    for ref in chain_by_ref.keys() | expected.keys():
        chain_mint, expected_mint = chain_by_ref.get(ref), expected.get(ref)
        if chain_mint != expected_mint:
            address = (chain_mint or expected_mint).to
            found.append(
                ChainDifference(
                    address,
                    f"mint {ref.hex()}",
                    f"{chain_mint.amount} to {chain_mint.to}" if chain_mint else "none",
                    f"{expected_mint.amount} to {expected_mint.to}" if expected_mint else "none",
                )
            )
    return sorted(found, key=lambda difference: (difference.address, difference.what))
