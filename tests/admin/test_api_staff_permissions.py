"""Every admin endpoint of the API asks for the Django permission of its back-office screen, so a
bearer token cannot do what the admin site refuses. `is_staff` alone grants nothing: a staff
account in no group is refused (403) where the admin would refuse it, and on the reads shared
with users it is served as a user (its own rows, which a staff account has none of; the active
catalogue only; admin filters ignored)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from accounts.models import User
from accounts.tests.factories import UserFactory
from clicknback.testing import bearer_client, error_code
from merchants.models import Merchant
from merchants.tests.factories import InactiveMerchantFactory, MerchantFactory
from offers.models import Offer, OfferStatus
from offers.tests.factories import OfferFactory
from payouts.models import Payout
from purchases.models import Purchase
from tests.admin.conftest import staff_member

pytestmark = pytest.mark.django_db

ROLES = ("staff without group", "support", "finance", "superuser", "user")

# What a read shared with users shows: "all" when the other user's row (or the inactive
# merchant or offer) is in it, "own" when it is not.
ALL, OWN = "all", "own"


@dataclass
class World:
    """Another user's purchase and payout, an inactive merchant and offer, and an active merchant
    without an offer; nothing of it belongs to the caller."""

    purchase: Purchase
    payout: Payout
    inactive_merchant: Merchant
    inactive_offer: Offer
    free_merchant: Merchant


Call = Callable[[Any, World], Any]

# endpoint -> (call, expected for each of ROLES)
TABLE: dict[str, tuple[Call, tuple[Any, ...]]] = {
    "POST /merchants (add merchant)": (
        lambda c, w: c.post("/api/v1/merchants", {"name": "New shop"}, format="json"),
        (403, 403, 403, 201, 403),
    ),
    "PATCH /merchants/{id} (change merchant)": (
        lambda c, w: c.patch(f"/api/v1/merchants/{w.free_merchant.id}", {"confirmation_days": 9}, format="json"),
        (403, 403, 403, 200, 403),
    ),
    "GET /merchants?status=inactive (view merchant)": (
        lambda c, w: c.get("/api/v1/merchants?status=inactive"),
        (OWN, ALL, ALL, ALL, OWN),
    ),
    "POST /offers (add offer)": (
        lambda c, w: c.post(
            "/api/v1/offers",
            {
                "merchant_id": str(w.free_merchant.id),
                "cashback_type": "percent",
                "cashback_value": "5.00",
                "starts_on": "2030-01-01",
                "ends_on": "2030-12-31",
            },
            format="json",
        ),
        (403, 403, 403, 201, 403),
    ),
    "PATCH /offers/{id} (change offer)": (
        lambda c, w: c.patch(f"/api/v1/offers/{w.inactive_offer.id}", {"ends_on": "2099-12-31"}, format="json"),
        (403, 403, 403, 200, 403),
    ),
    "GET /offers?status=inactive (view offer)": (
        lambda c, w: c.get("/api/v1/offers?status=inactive"),
        (OWN, ALL, ALL, ALL, OWN),
    ),
    "POST /partners (add partner)": (
        lambda c, w: c.post("/api/v1/partners", {"name": "Awin"}, format="json"),
        (403, 403, 403, 201, 403),
    ),
    "GET /partners (view partner)": (
        lambda c, w: c.get("/api/v1/partners"),
        (403, 200, 200, 200, 403),
    ),
    "GET /purchases?user_id= (view purchase)": (
        lambda c, w: c.get(f"/api/v1/purchases?user_id={w.purchase.user_id}"),
        (OWN, ALL, ALL, ALL, OWN),
    ),
    "GET /purchases/{id} of another user (view purchase)": (
        lambda c, w: c.get(f"/api/v1/purchases/{w.purchase.id}"),
        (404, 200, 200, 200, 404),
    ),
    "POST /purchases/{id}/confirm (review purchase)": (
        lambda c, w: c.post(f"/api/v1/purchases/{w.purchase.id}/confirm"),
        (403, 200, 403, 200, 403),
    ),
    "POST /purchases/{id}/reverse (review purchase)": (
        lambda c, w: c.post(f"/api/v1/purchases/{w.purchase.id}/reverse", {}, format="json"),
        (403, 200, 403, 200, 403),
    ),
    "GET /payouts?user_id= (view payout)": (
        lambda c, w: c.get(f"/api/v1/payouts?user_id={w.payout.user_id}"),
        (OWN, ALL, ALL, ALL, OWN),
    ),
    "GET /payouts/{id} of another user (view payout)": (
        lambda c, w: c.get(f"/api/v1/payouts/{w.payout.id}"),
        (404, 200, 200, 200, 404),
    ),
    "POST /payouts/{id}/complete (process payout)": (
        lambda c, w: c.post(f"/api/v1/payouts/{w.payout.id}/complete"),
        (403, 403, 200, 200, 403),
    ),
    "POST /payouts/{id}/fail (process payout)": (
        lambda c, w: c.post(f"/api/v1/payouts/{w.payout.id}/fail", {"reason": "closed"}, format="json"),
        (403, 403, 200, 200, 403),
    ),
}

# For the reads shared with users: the row that only an admin with the view permission may see.
ADMIN_ONLY_ROW: dict[str, Callable[[World], Any]] = {
    "GET /merchants?status=inactive (view merchant)": lambda w: w.inactive_merchant.id,
    "GET /offers?status=inactive (view offer)": lambda w: w.inactive_offer.id,
    "GET /purchases?user_id= (view purchase)": lambda w: w.purchase.id,
    "GET /payouts?user_id= (view payout)": lambda w: w.payout.id,
}

CASES = [
    pytest.param(endpoint, role, expected[ROLES.index(role)], id=f"{endpoint} | {role}")
    for endpoint, (_, expected) in TABLE.items()
    for role in ROLES
]


def caller(role: str) -> User:
    if role == "staff without group":
        return staff_member()
    if role in ("support", "finance"):
        return staff_member(role)
    if role == "superuser":
        return UserFactory(is_staff=True, is_superuser=True)
    return UserFactory()


@pytest.fixture
def world(user: User, ingest, make_payout) -> World:
    inactive_offer = OfferFactory(merchant=MerchantFactory(), status=OfferStatus.INACTIVE)
    return World(
        purchase=ingest("100.00"),
        payout=make_payout(user),
        inactive_merchant=InactiveMerchantFactory(),
        inactive_offer=inactive_offer,
        free_merchant=MerchantFactory(),
    )


def outcome(endpoint: str, response: Any, world: World) -> Any:
    if endpoint not in ADMIN_ONLY_ROW or response.status_code != 200:
        return response.status_code
    ids = {row["id"] for row in response.json()["results"]}
    return ALL if str(ADMIN_ONLY_ROW[endpoint](world)) in ids else OWN


@pytest.mark.parametrize(("endpoint", "role", "expected"), CASES)
def test_each_admin_endpoint_needs_the_permission_of_its_screen(endpoint: str, role: str, expected, world: World):
    call, _ = TABLE[endpoint]

    response = call(bearer_client(caller(role)), world)

    assert outcome(endpoint, response, world) == expected
    if expected == 403:
        assert error_code(response) == "PERMISSION_DENIED"
