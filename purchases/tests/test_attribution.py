"""The webhook's click path (a purchase reported with `click_id` earns for the clicking user) and
`order_reference` (one order, one reward)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from clicknback.testing import error_code
from clicks.tests.factories import ClickFactory
from offers.tests.factories import OfferFactory
from purchases.models import Purchase
from purchases.tests.conftest import WEBHOOK
from tests.contract import PURCHASE_FIELDS
from wallets.models import Wallet

pytestmark = pytest.mark.django_db


@pytest.fixture
def click(offer):
    return ClickFactory(offer=offer, created_at=timezone.now() - timedelta(days=2))


def by_click(created_payload, click, **overrides):
    body = created_payload(click_id=click.id, **overrides)
    del body["user_id"]
    return body


def test_a_purchase_reported_by_click_lands_in_the_clicking_users_wallet(signed_post, created_payload, click):
    response = signed_post(WEBHOOK, by_click(created_payload, click, amount="150.00"))
    assert response.status_code == 201, response.json()
    body = response.json()
    assert set(body) == PURCHASE_FIELDS
    assert (body["user_id"], body["click_id"]) == (str(click.user_id), click.id)
    assert Purchase.objects.get(pk=body["id"]).click == click
    assert Wallet.objects.get(user=click.user).pending == 15


def test_unknown_click_is_422_click_not_found(signed_post, created_payload, click):
    click.id = "x" * 24
    response = signed_post(WEBHOOK, by_click(created_payload, click))
    assert (response.status_code, error_code(response)) == (422, "CLICK_NOT_FOUND")
    assert not Purchase.objects.exists()


@pytest.mark.parametrize(
    ("offset", "expected"),
    [
        (timedelta(minutes=-5), 201),
        (timedelta(minutes=-5, seconds=-1), 422),
        (timedelta(days=30), 201),
        (timedelta(days=30, seconds=1), 422),
    ],
    ids=["5 minutes before", "just over 5 minutes before", "window's last moment", "past the window"],
)
def test_purchase_outside_the_clicks_window_is_422_click_expired(signed_post, created_payload, offer, offset, expected):
    now = timezone.now()
    click = ClickFactory(offer=offer, created_at=now - timedelta(days=40), expires_at=now - timedelta(days=10))
    window_start = click.created_at if offset < timedelta(0) else click.expires_at - timedelta(days=30)
    purchased_at = window_start + offset
    response = signed_post(WEBHOOK, by_click(created_payload, click, purchased_at=purchased_at.isoformat()))
    assert response.status_code == expected, response.json()
    if expected == 422:
        assert error_code(response) == "CLICK_EXPIRED"


def test_click_of_another_merchant_is_422_click_merchant_mismatch(signed_post, created_payload):
    click = ClickFactory(offer=OfferFactory())
    response = signed_post(WEBHOOK, by_click(created_payload, click))
    assert (response.status_code, error_code(response)) == (422, "CLICK_MERCHANT_MISMATCH")


@pytest.mark.parametrize("with_click", [True, False], ids=["both", "neither"])
def test_user_id_or_click_id_exactly_one(signed_post, created_payload, click, with_click):
    body = created_payload(click_id=click.id) if with_click else by_click(created_payload, click)
    if not with_click:
        del body["click_id"]
    response = signed_post(WEBHOOK, body)
    assert (response.status_code, error_code(response)) == (400, "VALIDATION_ERROR")
    assert not Purchase.objects.exists()


def test_order_reference_is_stored_and_rewarded_once(signed_post, created_payload, partner):
    first = signed_post(WEBHOOK, created_payload(order_reference="A-1"))
    assert first.status_code == 201
    assert first.json()["order_reference"] == "A-1"
    again = signed_post(WEBHOOK, created_payload(order_reference="A-1"))
    assert (again.status_code, error_code(again)) == (409, "DUPLICATE_PURCHASE")
    assert again.json()["error"]["details"]["purchase_id"] == first.json()["id"]


def test_a_reversed_purchase_frees_its_order_reference(signed_post, created_payload):
    first = signed_post(WEBHOOK, created_payload(order_reference="A-2"))
    signed_post(WEBHOOK, {"event": "purchase.reversed", "external_id": first.json()["external_id"]})
    assert signed_post(WEBHOOK, created_payload(order_reference="A-2")).status_code == 201


def test_the_same_order_reference_at_another_merchant_is_another_order(signed_post, created_payload):
    other = OfferFactory().merchant
    assert signed_post(WEBHOOK, created_payload(order_reference="A-3")).status_code == 201
    assert signed_post(WEBHOOK, created_payload(order_reference="A-3", merchant_id=str(other.id))).status_code == 201
