from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pytest

from accounts.models import User
from payouts.models import Payout, PayoutMethod
from payouts.services import payout_request

IBAN = "DE89370400440532013000"
IBAN_MASKED = "DE89 **** **** 3000"


@pytest.fixture
def make_payout() -> Callable[..., Payout]:
    """Request a payout through the service (the wallet must hold the amount)."""

    def make(user: User, amount: str = "20.00", method: str = PayoutMethod.BANK_TRANSFER, destination: str = IBAN):
        return payout_request(user=user, amount=Decimal(amount), method=method, destination=destination)

    return make
