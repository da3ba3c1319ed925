"""Loyalty in the admin: tiers are edited through the services; the points ledger and users' tiers
are read-only for everyone; support and finance can look; list pages cost a fixed number of queries."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.tests.factories import UserFactory
from loyalty.models import PointsAccount, PointsEntry, PointsLot, Redemption, Tier, TierChange, UserLoyalty
from loyalty.services import Confirmation, loyalty_on_confirmed, points_redeem
from tests.admin.conftest import changelist

pytestmark = pytest.mark.django_db

TIERS = changelist("loyalty_tier")
LOYALTIES = changelist("loyalty_userloyalty")
ACCOUNTS = changelist("loyalty_pointsaccount")
LOTS = changelist("loyalty_pointslot")
ENTRIES = changelist("loyalty_pointsentry")
REDEMPTIONS = changelist("loyalty_redemption")
TIER_CHANGES = changelist("loyalty_tierchange")
READ_ONLY = [LOYALTIES, ACCOUNTS, LOTS, ENTRIES, REDEMPTIONS, TIER_CHANGES]


def rewarded_user(amount: str = "600.00"):
    """A user whose confirmed purchase earned points (and Silver, with its bonus), then redeemed 500."""
    user = UserFactory()
    with transaction.atomic():
        loyalty_on_confirmed(
            confirmations=[Confirmation(user.id, uuid.uuid4(), Decimal(amount), timezone.now(), Decimal("1.00"))]
        )
    points_redeem(user=user, points=500)
    return user


def tier_form(tier: Tier, **changes) -> dict:
    fields = {
        "name": tier.name,
        "min_spend": tier.min_spend,
        "cashback_boost_percent": tier.cashback_boost_percent,
        "points_multiplier": tier.points_multiplier,
        "upgrade_bonus_points": tier.upgrade_bonus_points,
        "benefits": ",".join(tier.benefits),
        "position": tier.position,
    }
    return fields | changes


def test_a_tier_edit_goes_through_tier_update(as_superuser, monkeypatch):
    import loyalty.admin

    calls = []
    real = loyalty.admin.tier_update
    monkeypatch.setattr(loyalty.admin, "tier_update", lambda **kw: calls.append(kw) or real(**kw))
    silver = Tier.objects.get(name="Silver")
    response = as_superuser.post(f"{TIERS}{silver.pk}/change/", tier_form(silver, points_multiplier="1.40"))
    assert response.status_code == 200
    assert calls == [{"tier_id": silver.pk, "data": {"points_multiplier": Decimal("1.40")}}]
    assert Tier.objects.get(pk=silver.pk).points_multiplier == Decimal("1.40")


def test_a_new_tier_is_made_by_tier_create(as_superuser, monkeypatch):
    import loyalty.admin

    calls = []
    real = loyalty.admin.tier_create
    monkeypatch.setattr(loyalty.admin, "tier_create", lambda **kw: calls.append(kw) or real(**kw))
    form = tier_form(Tier(name="Diamond", min_spend=Decimal("9000.00"), points_multiplier=Decimal("3.00")))
    as_superuser.post(f"{TIERS}add/", form)
    assert [call["data"]["name"] for call in calls] == ["Diamond"]
    assert Tier.objects.get(name="Diamond").min_spend == Decimal("9000.00")


def test_the_entry_tier_keeps_zero_min_spend_as_a_form_error(as_superuser):
    bronze = Tier.objects.get(min_spend=0)
    response = as_superuser.post(f"{TIERS}{bronze.pk}/change/", tier_form(bronze, min_spend="10.00"))
    assert response.status_code == 200 and "stays 0.00" in response.content.decode()
    assert Tier.objects.get(pk=bronze.pk).min_spend == 0


def test_tiers_cannot_be_deleted(as_superuser):
    silver = Tier.objects.get(name="Silver")
    assert as_superuser.get(f"{TIERS}{silver.pk}/delete/").status_code == 403


@pytest.mark.parametrize("page", READ_ONLY)
def test_the_ledger_and_tiers_of_users_are_read_only_even_for_a_superuser(as_superuser, page):
    user = rewarded_user()
    model = {
        LOYALTIES: UserLoyalty,
        ACCOUNTS: PointsAccount,
        LOTS: PointsLot,
        ENTRIES: PointsEntry,
        REDEMPTIONS: Redemption,
        TIER_CHANGES: TierChange,
    }[page]
    obj = model.objects.first()
    balance = PointsAccount.objects.get(user=user).balance
    assert as_superuser.get(f"{page}add/").status_code == 403
    assert as_superuser.get(f"{page}{obj.pk}/delete/").status_code == 403
    detail = as_superuser.get(f"{page}{obj.pk}/change/")
    assert detail.status_code == 200 and b'name="_save"' not in detail.content
    as_superuser.post(f"{page}{obj.pk}/change/", {"balance": "999999", "points_left": "999999"})
    assert PointsAccount.objects.get(user=user).balance == balance
    assert b'name="action"' not in as_superuser.get(page).content


def test_the_rewards_panel_shows_tier_spend_history_lots_and_entries(as_support):
    user = rewarded_user()
    account = PointsAccount.objects.get(user=user)
    html = as_support.get(f"{ACCOUNTS}{account.pk}/change/").content.decode()
    assert "Silver" in html and "600.00" in html and "Bronze → Silver" in html
    assert html.count("upgrade_bonus") + html.count("Upgrade bonus") >= 1 and "Redeemed" in html
    lot = PointsLot.objects.filter(account=account).first()
    assert str(lot.expires_on.year) in html


def test_a_redemption_shows_its_allocations(as_finance):
    rewarded_user()
    redemption = Redemption.objects.get()
    html = as_finance.get(f"{REDEMPTIONS}{redemption.pk}/change/").content.decode()
    assert "allocations" in html.lower()
    for allocation in redemption.allocations.all():
        assert str(allocation.lot) in html


@pytest.mark.parametrize("page", [TIERS, *READ_ONLY])
def test_list_pages_cost_the_same_queries_for_any_number_of_rows(as_support, page):
    rewarded_user()
    assert as_support.get(page).status_code == 200
    with CaptureQueriesContext(connection) as few:
        as_support.get(page)
    for _ in range(5):
        rewarded_user()
    with CaptureQueriesContext(connection) as many:
        response = as_support.get(page)
    assert response.status_code == 200
    assert len(many.captured_queries) == len(few.captured_queries)
