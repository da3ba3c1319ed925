"""Member pages cost a fixed number of queries, whatever the number of rows they list."""

from __future__ import annotations

from decimal import Decimal

import pytest

from claims.tests.factories import ClaimFactory
from clicks.tests.factories import ClickFactory
from notifications.tests.test_api import notify
from payouts.services import payout_request
from wallets.tests.helpers import fund_wallet

pytestmark = pytest.mark.django_db

IBAN = "DE89370400440532013000"


@pytest.mark.parametrize("rows", [1, 25])
def test_list_pages_do_not_grow_with_their_rows(member, user, rows, django_assert_max_num_queries):
    fund_wallet(user, Decimal("10000.00"))
    for _ in range(rows):
        payout_request(user=user, amount=Decimal("10.00"), method="bank_transfer", destination=IBAN)
        ClaimFactory(user=user)
        ClickFactory(user=user)
        notify(user)
    for path in ("/withdraw/", "/claims/", "/clicks/", "/notifications/", "/rewards/", "/cashback/"):
        with django_assert_max_num_queries(12):
            assert member.get(path).status_code == 200
