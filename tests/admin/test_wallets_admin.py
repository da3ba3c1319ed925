"""Wallets and the ledger are read-only in the admin, for everyone, superusers included."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.tests.factories import UserFactory
from tests.admin.conftest import changelist
from wallets.models import Wallet, WalletEntry
from wallets.tests.helpers import fund_wallet

pytestmark = pytest.mark.django_db

WALLETS = changelist("wallets_wallet")
ENTRIES = changelist("wallets_walletentry")


@pytest.mark.parametrize("page", [WALLETS, ENTRIES])
def test_no_add_change_or_delete_even_for_a_superuser(as_superuser, user, page):
    fund_wallet(user, Decimal("20.00"))
    obj = Wallet.objects.get(user=user) if page == WALLETS else WalletEntry.objects.first()
    assert as_superuser.get(f"{page}add/").status_code == 403
    assert as_superuser.get(f"{page}{obj.pk}/delete/").status_code == 403
    detail = as_superuser.get(f"{page}{obj.pk}/change/")
    assert detail.status_code == 200 and b'name="_save"' not in detail.content
    # Posting the change form anyway is refused and changes nothing.
    assert as_superuser.post(f"{page}{obj.pk}/change/", {"available": "999.00"}, follow=False).status_code == 403
    assert Wallet.objects.get(user=user).available == Decimal("20.00")
    assert b'name="action"' not in as_superuser.get(page).content  # not even "delete selected"


@pytest.mark.parametrize("page", [WALLETS, ENTRIES])
def test_list_pages_cost_the_same_queries_for_any_number_of_rows(as_support, page):
    fund_wallet(UserFactory(), Decimal("5.00"))
    as_support.get(page)
    with CaptureQueriesContext(connection) as few:
        as_support.get(page)
    for _ in range(10):
        fund_wallet(UserFactory(), Decimal("5.00"))
    with CaptureQueriesContext(connection) as many:
        response = as_support.get(page)
    assert response.status_code == 200
    assert len(many.captured_queries) == len(few.captured_queries)
