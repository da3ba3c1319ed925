"""POST /cashback/calculate: a quote answering exactly what ingestion would book."""

from __future__ import annotations

import json
from decimal import Decimal as D

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rest_framework.test import APIClient

from accounts.authentication import signature_header
from accounts.tests.factories import PartnerFactory, UserFactory
from campaigns.tests.factories import make_campaign
from clicknback.actors import Actor
from clicknback.testing import error_code
from loyalty.services import points_for
from loyalty.tests.conftest import set_tier
from merchants.tests.factories import MerchantFactory
from offers.tests.factories import OfferFactory
from purchases.models import Purchase
from purchases.services import cashback_quote, purchase_ingest
from wallets.models import Wallet

pytestmark = pytest.mark.django_db
URL = "/api/v1/cashback/calculate"
QUOTE_FIELDS = {
    "offer_id",
    "currency",
    "base",
    "tier_bonus",
    "campaign_bonus",
    "campaign_id",
    "cashback_amount",
    "points",
}


def test_a_user_gets_the_breakdown_and_nothing_is_booked(user_client, user, merchant, offer):
    set_tier(user, "Silver")  # +5 %, points x1.25
    campaign = make_campaign(kind="bonus_fixed", value="3.00", budget="10.00")
    response = user_client.post(URL, {"merchant_id": str(merchant.id), "amount": "150.00"}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json() == {
        "offer_id": str(offer.id),
        "currency": "EUR",
        "base": "15.00",
        "tier_bonus": "0.75",
        "campaign_bonus": "3.00",
        "campaign_id": str(campaign.id),
        "cashback_amount": "18.75",
        "points": 187,
    }
    assert not Purchase.objects.exists() and not Wallet.objects.exists()


def test_a_partner_asks_with_its_signature_for_a_user(partner, user, merchant):
    body = json.dumps({"merchant_id": str(merchant.id), "amount": "20.00", "user_id": str(user.id)}).encode()
    response = APIClient().post(
        URL,
        data=body,
        content_type="application/json",
        HTTP_X_PARTNER_KEY=partner.key,
        HTTP_X_SIGNATURE=signature_header(partner.secret, body),
    )
    assert response.status_code == 200, response.json()
    assert set(response.json()) == QUOTE_FIELDS and response.json()["cashback_amount"] == "2.00"
    bad = APIClient().post(
        URL, data=body, content_type="application/json", HTTP_X_PARTNER_KEY=partner.key, HTTP_X_SIGNATURE="t=1,v1=00"
    )
    assert error_code(bad) == "INVALID_SIGNATURE"


def test_a_partner_names_exactly_one_of_user_and_click(signed_post, merchant):
    response = signed_post(URL, {"merchant_id": str(merchant.id), "amount": "20.00"})
    assert response.status_code == 400


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        ({"merchant_id": "00000000-0000-0000-0000-000000000001"}, "MERCHANT_NOT_ELIGIBLE"),
        ({"purchased_at": "2000-01-01T00:00:00Z"}, "OFFER_NOT_AVAILABLE"),
        ({"amount": "100000.01"}, "AMOUNT_TOO_LARGE"),
    ],
)
def test_the_same_422_as_ingestion(user_client, merchant, overrides, code):
    response = user_client.post(URL, {"merchant_id": str(merchant.id), "amount": "10.00"} | overrides, format="json")
    assert (response.status_code, error_code(response)) == (422, code)


def test_admins_and_anonymous_callers_are_refused(admin_client, merchant):
    assert admin_client.post(URL, {"merchant_id": str(merchant.id), "amount": "1.00"}, format="json").status_code == 403
    assert APIClient().post(URL, {"merchant_id": str(merchant.id), "amount": "1.00"}, format="json").status_code == 401


def test_rate_limited_per_caller(settings, user_client, other_client, merchant):
    settings.QUOTE_RATE_LIMIT = "2/m"
    payload = {"merchant_id": str(merchant.id), "amount": "10.00"}
    assert [user_client.post(URL, payload, format="json").status_code for _ in range(3)] == [200, 200, 429]
    assert other_client.post(URL, payload, format="json").status_code == 200


def test_the_quote_limit_replaces_the_per_user_write_limit(settings, user_client, merchant):
    """A basket asks for a quote on every change: only QUOTE_RATE_LIMIT counts them."""
    settings.USER_WRITE_RATE_LIMIT, settings.QUOTE_RATE_LIMIT = "1/m", "3/m"
    payload = {"merchant_id": str(merchant.id), "amount": "10.00"}
    assert [user_client.post(URL, payload, format="json").status_code for _ in range(4)] == [200, 200, 200, 429]


money = st.decimals(min_value=D("0.01"), max_value=D("3000.00"), places=2)
optional_money = st.none() | money


@st.composite
def campaigns(draw):
    kind = draw(st.sampled_from(["bonus_percent", "bonus_fixed", "multiplier"]))
    value = {
        "bonus_percent": st.decimals(min_value=D("0.01"), max_value=D("20.00"), places=2),
        "bonus_fixed": st.decimals(min_value=D("0.01"), max_value=D("50.00"), places=2),
        "multiplier": st.decimals(min_value=D("1.01"), max_value=D("10.00"), places=2),
    }[kind]
    return {
        "kind": kind,
        "value": draw(value),
        "min_purchase_amount": draw(st.none() | st.decimals(min_value=D("0.00"), max_value=D("500.00"), places=2)),
        "max_bonus_per_purchase": draw(st.none() | st.decimals(min_value=D("0.01"), max_value=D("30.00"), places=2)),
        "max_uses_per_user": draw(st.none() | st.integers(min_value=1, max_value=2)),
        "budget": draw(st.none() | st.decimals(min_value=D("0.00"), max_value=D("40.00"), places=2)),
        "requires_enrollment": draw(st.booleans()),
    }


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    kind=st.sampled_from(["percent", "fixed"]),
    percent=st.decimals(min_value=D("0.01"), max_value=D("20.00"), places=2),
    fixed=st.decimals(min_value=D("0.01"), max_value=D("60.00"), places=2),
    cap=optional_money,
    maximum=optional_money,
    minimum=st.none() | st.decimals(min_value=D("0.00"), max_value=D("200.00"), places=2),
    tier=st.sampled_from(["Bronze", "Silver", "Gold", "Platinum"]),
    offered=st.lists(campaigns(), max_size=3),
    earlier=st.lists(money, max_size=2),
    amount=money,
)
def test_the_quote_is_what_ingestion_books(kind, percent, fixed, cap, maximum, minimum, tier, offered, earlier, amount):
    """Over random offers, tiers, campaigns (with earlier purchases using caps, uses and budgets),
    the quote equals the booked purchase, field by field."""
    partner, user, merchant = PartnerFactory(), UserFactory(), MerchantFactory()
    offer = OfferFactory(
        merchant=merchant,
        cashback_type=kind,
        cashback_value=percent if kind == "percent" else fixed,
        monthly_cap_per_user=cap,
        max_cashback_per_purchase=maximum,
        min_purchase_amount=minimum,
    )
    set_tier(user, tier)
    for terms in offered:
        campaign = make_campaign(merchant_ids=[merchant.id], **terms)
        if terms["requires_enrollment"]:
            campaign.enrollments.create(user=user)

    def book(value: D) -> Purchase:
        return purchase_ingest(
            partner=partner,
            external_id=f"q-{Purchase.objects.count()}",
            user_id=user.id,
            merchant_id=merchant.id,
            amount=value,
            currency="EUR",
            actor=Actor.for_partner(partner),
        )

    for value in earlier:
        book(value)
    quote = cashback_quote(merchant_id=merchant.id, amount=amount, user_id=user.id)
    booked = book(amount)
    breakdown = quote.breakdown
    assert quote.offer_id == offer.id == booked.offer_id
    assert (breakdown.base, breakdown.tier_bonus, breakdown.campaign_bonus, breakdown.campaign_id) == (
        booked.cashback_base,
        booked.tier_bonus,
        booked.campaign_bonus,
        booked.campaign_id,
    )
    assert breakdown.cashback_amount == booked.cashback_amount <= amount
    assert quote.points == points_for(amount=amount, points_multiplier=booked.points_multiplier)


def test_a_quote_is_five_statements(user_client, merchant, django_assert_num_queries):
    """The caller, its rate-limit hit, eligibility, the monthly-cap sum with the tier, the campaigns."""
    make_campaign(kind="bonus_fixed", value="1.00")
    with django_assert_num_queries(5):
        response = user_client.post(URL, {"merchant_id": str(merchant.id), "amount": "10.00"}, format="json")
    assert response.status_code == 200
