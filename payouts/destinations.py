"""Where a payout goes: validation, the one normal form we store, and the mask we show.

A destination is stored in full (staff need it to send the money) but leaves the database only
masked: in API responses, the admin list and every log line.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from clicknback.errors import ChainAddressRequired

# IBAN length per country (SWIFT IBAN registry).
IBAN_LENGTHS: dict[str, int] = {
    "AD": 24, "AE": 23, "AL": 28, "AT": 20, "AZ": 28, "BA": 20, "BE": 16, "BG": 22, "BH": 22, "BI": 27,
    "BR": 29, "BY": 28, "CH": 21, "CR": 22, "CY": 28, "CZ": 24, "DE": 22, "DJ": 27, "DK": 18, "DO": 28,
    "EE": 20, "EG": 29, "ES": 24, "FI": 18, "FK": 18, "FO": 18, "FR": 27, "GB": 22, "GE": 22, "GI": 23,
    "GL": 18, "GR": 27, "GT": 28, "HR": 21, "HU": 28, "IE": 22, "IL": 23, "IQ": 23, "IS": 26, "IT": 27,
    "JO": 30, "KW": 30, "KZ": 20, "LB": 28, "LC": 32, "LI": 21, "LT": 20, "LU": 20, "LV": 21, "LY": 25,
    "MC": 27, "MD": 24, "ME": 22, "MK": 19, "MN": 20, "MR": 27, "MT": 31, "MU": 30, "NL": 18, "NO": 15,
    "OM": 23, "PK": 24, "PL": 28, "PS": 29, "PT": 25, "QA": 29, "RO": 24, "RS": 22, "RU": 33, "SA": 24,
    "SC": 31, "SD": 18, "SE": 24, "SI": 19, "SK": 24, "SM": 27, "SO": 23, "ST": 25, "SV": 28, "TL": 23,
    "TN": 24, "TR": 26, "UA": 29, "VA": 22, "VG": 24, "XK": 20,
}  # fmt: skip

_IBAN_SHAPE = re.compile(r"^[A-Z]{2}[0-9]{2}[A-Z0-9]+$")
_IBAN_SEPARATORS = re.compile(r"[\s-]+")


def normalize_iban(value: str) -> str:
    """Uppercase, without the spaces (or dashes) people group IBANs with."""
    return _IBAN_SEPARATORS.sub("", value).upper()


def validate_iban(value: str) -> str:
    """The normalised IBAN, or ValidationError: known country, that country's length, mod-97 == 1."""
    iban = normalize_iban(value)
    if not _IBAN_SHAPE.match(iban):
        raise ValidationError("Enter a valid IBAN.")
    expected = IBAN_LENGTHS.get(iban[:2])
    if expected is None:
        raise ValidationError("This IBAN's country is not supported.")
    if len(iban) != expected:
        raise ValidationError(f"An IBAN from {iban[:2]} has {expected} characters.")
    # ISO 13616: move the first four characters to the end, letters become 10..35, remainder 1.
    digits = "".join(str(int(char, 36)) for char in iban[4:] + iban[:4])
    if int(digits) % 97 != 1:
        raise ValidationError("This IBAN's check digits are wrong.")
    return iban


def validate_paypal_email(value: str) -> str:
    """The lowercased email, or ValidationError."""
    email = value.strip().lower()
    validate_email(email)
    return email


def mask_iban(iban: str) -> str:
    """`DE89 **** **** 3000`: country and check digits, the last four; the length is not revealed."""
    return f"{iban[:4]} **** **** {iban[-4:]}"


def mask_email(email: str) -> str:
    """`j***@example.com`: the first character of the local part, then the domain."""
    local, _, domain = email.rpartition("@")
    return f"{local[:1]}***@{domain}"


# The chain app knows which address a user linked (`chain.apps`); payouts, below it, asks through this hook.
_linked_address: Callable[[uuid.UUID], str | None] | None = None


def linked_address_register(lookup: Callable[[uuid.UUID], str | None]) -> None:
    global _linked_address
    _linked_address = lookup


def token_destination(user_id: uuid.UUID) -> str:
    """The EIP-55 address a token payout of `user_id` mints to: the one linked now, or 422."""
    address = _linked_address(user_id) if _linked_address is not None else None
    if not address:
        raise ChainAddressRequired()
    return address
