"""EIP-55 addresses and EIP-191 signatures, with eth-account (no web3: the web app never talks to a chain).

eth-account and eth-utils take seconds to import: they are imported on first use, so a web worker
boots as fast as before and only pays for them when a chain address is handled.
"""

from __future__ import annotations

import re

_HEX_ADDRESS = re.compile(r"^0x[0-9a-fA-F]{40}$")


class BadAddress(ValueError):
    pass


def checksummed(address: str) -> str:
    """The EIP-55 form of `address`. A mixed-case address must already carry a valid checksum (a
    typo in one character would otherwise be accepted); all lower or all upper case carries none."""
    from eth_utils import is_checksum_address, to_checksum_address

    if not _HEX_ADDRESS.match(address):
        raise BadAddress("Enter a 0x-prefixed address of 40 hexadecimal digits.")
    digits = address[2:]
    if digits != digits.lower() and digits != digits.upper() and not is_checksum_address(address):
        raise BadAddress("The address's EIP-55 checksum is wrong: check it for typos.")
    return to_checksum_address(address)


def signer_of(message: str, signature: str) -> str | None:
    """The checksummed address that `personal_sign`ed `message` (EIP-191), or None for a malformed signature."""
    from eth_account import Account
    from eth_account.messages import encode_defunct
    from eth_keys.exceptions import BadSignature
    from eth_utils import to_checksum_address
    from eth_utils.exceptions import ValidationError as EthValidationError

    try:
        return to_checksum_address(Account.recover_message(encode_defunct(text=message), signature=signature))
    except (ValueError, TypeError, BadSignature, EthValidationError):
        return None
