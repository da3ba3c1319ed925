"""Rewards: tier and progress, points expiring soon, redeeming into cashback once per form."""

from __future__ import annotations

import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from loyalty.models import PointsAccount, Redemption
from loyalty.tests.conftest import grant_lot, set_tier
from wallets.models import Wallet
from web.tests.conftest import field_errors

pytestmark = pytest.mark.django_db


def redeem(points: str, key: str | None = None) -> dict:
    return {"points": points, "idempotency_key": key or uuid.uuid4().hex}


def test_tier_progress_and_points_expiring_soon(member, user):
    soon = timezone.now().date() + timedelta(days=3)
    grant_lot(user, 700, soon)
    grant_lot(user, 300, soon + timedelta(days=200))
    response = member.get("/rewards/")
    assert response.status_code == 200
    status = response.context["status"]
    assert response.context["progress"]["needed"] == status.next_tier.min_spend - status.qualifying_spend
    assert response.context["expiring"] == [{"points": 700, "expires_on": soon}]
    html = response.content.decode()
    assert 'id="points-balance">1000<' in html and "700 points on" in html and 'role="progressbar"' in html


def test_the_top_tier_has_no_progress_bar(member, user):
    from loyalty.models import Tier

    set_tier(user, Tier.objects.order_by("-min_spend").first().name)
    response = member.get("/rewards/")
    assert response.context["progress"] is None and "top tier" in response.content.decode()


def test_redeem_turns_points_into_available_cashback_once_per_form(member, user):
    grant_lot(user, 700, timezone.now().date() + timedelta(days=3))
    data = redeem("550", key="one-form")
    response = member.post("/rewards/", data, follow=True)
    assert "550 points became €5.50 of available cashback." in response.content.decode()
    again = member.post("/rewards/", data, follow=True)
    assert "it counted once" in again.content.decode()
    assert Redemption.objects.count() == 1
    assert PointsAccount.objects.get(user=user).balance == 150
    assert Wallet.objects.get(user=user).available == Decimal("5.50")


@pytest.mark.parametrize(
    ("points", "message"),
    [
        ("", "This field is required."),
        ("x", "A valid integer is required."),
        ("0", "Ensure this value is greater than or equal to 1."),
        ("100", "BELOW"),
        ("800", "The points balance does not cover this redemption."),
    ],
)
def test_refusals_are_shown_beside_the_points(member, user, points, message):
    grant_lot(user, 700, timezone.now().date() + timedelta(days=3))
    response = member.post("/rewards/", redeem(points))
    assert response.status_code == 400
    errors = field_errors(response, "points")
    assert len(errors) == 1
    if message == "BELOW":
        assert "minimum" in errors[0].lower()
    else:
        assert errors == [message]
    assert not Redemption.objects.exists()


def test_redeem_shares_the_apis_rate_limit(member, user, settings):
    settings.REDEEM_RATE_LIMIT = "2/m"
    for _ in range(2):
        member.post("/rewards/", redeem("500"))
    assert member.post("/rewards/", redeem("500")).status_code == 429


def test_csrf_and_only_ones_own_points(member, other_member, user):
    grant_lot(user, 700, timezone.now().date() + timedelta(days=3))
    assert member.post("/rewards/", redeem("500"), csrf=False).status_code == 403
    assert not Redemption.objects.exists()
    theirs = other_member.get("/rewards/")
    assert theirs.context["account"].balance == 0 and theirs.context["history"] == []
