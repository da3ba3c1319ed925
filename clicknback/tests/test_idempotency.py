"""The shared Idempotency-Key store: expiry, the daily purge, and the one fingerprint recipe
(the payout keys' migration recomputes it, and must agree with the live one)."""

from __future__ import annotations

import importlib
import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.conf import settings
from django.core.management import call_command
from django.utils import timezone

from clicknback.idempotency import fingerprint_of, idempotency_keys_purge
from clicknback.models import IdempotencyKey
from payouts.models import Payout
from payouts.serializers import PayoutRequestInputSerializer
from wallets.tests.helpers import fund_wallet

pytestmark = pytest.mark.django_db

URL = "/api/v1/payouts"
IBAN = "DE89370400440532013000"


def post(client, amount="10.00", key="k1"):
    body = {"amount": amount, "method": "bank_transfer", "destination": IBAN}
    return client.post(URL, body, format="json", HTTP_IDEMPOTENCY_KEY=key)


def test_an_expired_key_is_a_new_request(user, user_client):
    fund_wallet(user, Decimal("50.00"))
    first = post(user_client, "20.00")
    IdempotencyKey.objects.update(created_at=timezone.now() - settings.IDEMPOTENCY_KEY_TTL - timedelta(seconds=1))
    second = post(user_client, "25.00")
    assert second.status_code == 201 and second.json()["id"] != first.json()["id"]
    assert IdempotencyKey.objects.count() == 1 and Payout.objects.count() == 2


def test_purge_deletes_only_expired_keys(user, user_client):
    fund_wallet(user, Decimal("50.00"))
    post(user_client, key="old")
    post(user_client, key="fresh")
    IdempotencyKey.objects.filter(key="old").update(created_at=timezone.now() - timedelta(hours=25))
    assert idempotency_keys_purge() == 1
    assert list(IdempotencyKey.objects.values_list("key", flat=True)) == ["fresh"]
    assert Payout.objects.count() == 2  # purging a key never touches what the request did


def test_purge_command(user, user_client):
    fund_wallet(user, Decimal("50.00"))
    post(user_client, key="old")
    IdempotencyKey.objects.update(created_at=timezone.now() - timedelta(days=2))
    out = io.StringIO()
    call_command("purge_idempotency_keys", stdout=out)
    assert out.getvalue().startswith("1 expired") and not IdempotencyKey.objects.exists()


def test_the_key_migration_computes_the_live_fingerprint(user, user_client):
    """A payout key copied by the migration replays: its recomputed fingerprint is the live one."""
    fund_wallet(user, Decimal("50.00"))
    post(user_client, "20", key="moved")
    payout = Payout.objects.get()
    migration = importlib.import_module("clicknback.migrations.0003_copy_payout_idempotency_keys")
    body = {"amount": "20.00", "method": "bank_transfer", "destination": "de89 3704 0044 0532 0130 00"}
    validated = PayoutRequestInputSerializer(data=body)
    validated.is_valid(raise_exception=True)
    live = fingerprint_of(route=migration.PAYOUTS_ROUTE, data=validated.validated_data)
    assert migration.fingerprint(payout) == live == IdempotencyKey.objects.get(key="moved").fingerprint
