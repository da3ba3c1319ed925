"""The back-office actions go through the services; the demo seed is complete and idempotent."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client

from accounts.demo import DEMO_USER
from accounts.models import User
from purchases.models import Purchase, PurchaseEvent
from wallets.models import Wallet, WalletEntry
from wallets.selectors import ledger_discrepancies

pytestmark = pytest.mark.django_db


@pytest.fixture
def site(admin_user) -> Client:
    client = Client()
    client.force_login(admin_user)
    return client


def test_purchase_admin_lists_and_shows(site, ingest):
    purchase = ingest()
    assert site.get("/admin/purchases/purchase/").status_code == 200
    assert site.get(f"/admin/purchases/purchase/{purchase.id}/change/").status_code == 200
    assert site.get("/admin/purchases/purchase/add/").status_code == 403


@pytest.mark.parametrize(
    ("action", "status", "flagged"),
    [
        ("confirm_purchases", "confirmed", False),
        ("reverse_purchases", "reversed", True),
        ("clear_flags", "pending", False),
    ],
)
def test_admin_actions_use_the_services(site, ingest, admin_user, action, status, flagged):
    purchase = ingest("2000.00")
    response = site.post(
        "/admin/purchases/purchase/",
        # Reversing asks for a reason on an intermediate page; the other actions ignore these fields.
        {"action": action, "_selected_action": [str(purchase.id)], "apply": "1", "reason": "Chargeback"},
        follow=True,
    )
    assert response.status_code == 200
    purchase.refresh_from_db()
    assert (purchase.status, purchase.flagged) == (status, flagged)
    assert PurchaseEvent.objects.filter(purchase=purchase, actor_id=str(admin_user.id)).exists()
    assert ledger_discrepancies() == []


def test_admin_action_reports_refused_transitions(site, ingest):
    purchase = ingest()
    site.post(
        "/admin/purchases/purchase/",
        {"action": "reverse_purchases", "_selected_action": [str(purchase.id)], "apply": "1", "reason": "Chargeback"},
    )
    response = site.post(
        "/admin/purchases/purchase/",
        {"action": "confirm_purchases", "_selected_action": [str(purchase.id)]},
        follow=True,
    )
    assert "cannot become confirmed" in response.content.decode()


def test_wallet_admin_is_read_only(site, ingest, user):
    ingest()
    wallet = Wallet.objects.get(user=user)
    entry = WalletEntry.objects.get()
    assert site.get("/admin/wallets/wallet/").status_code == 200
    assert site.get("/admin/wallets/walletentry/").status_code == 200
    assert site.get(f"/admin/wallets/wallet/{wallet.id}/change/").status_code == 200  # view only
    assert site.post(f"/admin/wallets/wallet/{wallet.id}/change/", {"available": "999.00"}).status_code == 403
    assert site.get("/admin/wallets/walletentry/add/").status_code == 403
    assert site.get(f"/admin/wallets/walletentry/{entry.id}/delete/").status_code == 403


def test_demo_seed_has_every_state_balances_and_is_idempotent():
    call_command("seed_demo", stdout=StringIO())
    user = User.objects.get(email=DEMO_USER[0])
    purchases = Purchase.objects.filter(user=user)
    assert {p.status for p in purchases} == {"pending", "confirmed", "reversed"}
    assert purchases.filter(flagged=True).exists()
    assert ledger_discrepancies() == []
    count = purchases.count()
    call_command("seed_demo", stdout=StringIO())
    assert Purchase.objects.filter(user=user).count() == count
