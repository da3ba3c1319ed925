"""Campaigns at ingestion, confirmation and reversal: through the purchase services, on PostgreSQL."""

from datetime import timedelta
from decimal import Decimal as D

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from campaigns.models import CampaignBonus, CampaignEnrollment
from campaigns.selectors import campaign_spend_per_day, campaigns_with_spent, running_campaigns_budget_left
from campaigns.services import campaign_update
from campaigns.tests.factories import make_campaign
from clicknback.actors import Actor
from events.models import OutboxEvent
from loyalty.tests.conftest import set_tier
from merchants.tests.factories import MerchantFactory
from offers.services import offer_update
from purchases.models import Purchase
from purchases.services import purchase_confirm, purchase_reverse
from purchases.tests.conftest import WEBHOOK
from wallets.models import Wallet

pytestmark = pytest.mark.django_db
ADMIN = Actor.job("tests")


def spent(campaign) -> D:
    return campaigns_with_spent().get(pk=campaign.pk).budget_spent


def test_the_breakdown_and_its_terms_are_stored_with_the_purchase(ingest, user):
    set_tier(user, "Gold")  # +10 %
    campaign = make_campaign(kind="multiplier", value="2.00", budget="100.00")
    purchase = ingest("150.00")
    assert (purchase.cashback_base, purchase.tier_bonus, purchase.campaign_bonus) == (D("15.00"), D("1.50"), D("15.00"))
    assert purchase.cashback_amount == D("31.50") and purchase.campaign_id == campaign.id
    stored = Purchase.objects.get(pk=purchase.pk)
    assert stored.cashback_terms["campaign"]["kind"] == "multiplier"
    assert stored.cashback_terms["tier"]["name"] == "Gold"
    assert stored.cashback_terms["offer"]["cashback_value"] == "10.00"
    assert Wallet.objects.get(user=user).pending == D("31.50")
    assert spent(campaign) == D("15.00")
    assert CampaignBonus.objects.get(purchase_id=purchase.pk).amount == D("15.00")


def test_a_breakdown_is_unchanged_after_its_offer_and_campaign_are_edited(ingest, offer):
    campaign = make_campaign(kind="bonus_fixed", value="4.00", budget="50.00")
    purchase = ingest("100.00")
    before = Purchase.objects.get(pk=purchase.pk)
    offer_update(offer=offer, actor=ADMIN, max_cashback_per_purchase=D("1.00"))
    campaign_update(campaign_id=campaign.id, actor=ADMIN, max_bonus_per_purchase=D("1.00"), budget=D("4.00"))
    after = Purchase.objects.get(pk=purchase.pk)
    fields = ("cashback_amount", "cashback_base", "tier_bonus", "campaign_bonus", "campaign_id", "cashback_terms")
    assert [getattr(after, f) for f in fields] == [getattr(before, f) for f in fields]
    assert after.cashback_terms["campaign"]["value"] == "4.00"
    assert after.cashback_terms["offer"]["max_cashback_per_purchase"] is None


def test_campaigns_not_running_or_not_covering_the_merchant_do_not_apply(ingest):
    now = timezone.now()
    make_campaign(merchant_ids=[MerchantFactory().id])
    make_campaign(starts_at=now + timedelta(hours=1), ends_at=now + timedelta(days=1))
    make_campaign(starts_at=now - timedelta(days=2), ends_at=now - timedelta(days=1))
    paused = make_campaign()
    campaign_update(campaign_id=paused.id, actor=ADMIN, status="paused")
    ended = make_campaign()
    campaign_update(campaign_id=ended.id, actor=ADMIN, status="ended")
    make_campaign(min_purchase_amount="100.01")
    assert ingest("100.00").campaign_bonus == D("0.00")


def test_a_campaign_of_the_merchant_applies(ingest, merchant):
    campaign = make_campaign(merchant_ids=[MerchantFactory().id, merchant.id])
    assert ingest("100.00").campaign_id == campaign.id


def test_the_largest_bonus_applies_and_ties_go_to_the_oldest(ingest):
    older = make_campaign(kind="bonus_fixed", value="3.00")
    make_campaign(kind="bonus_fixed", value="3.00")
    make_campaign(kind="bonus_fixed", value="1.00")
    assert ingest("100.00").campaign_id == older.id
    larger = make_campaign(kind="bonus_fixed", value="3.01")
    assert ingest("100.00").campaign_id == larger.id


def test_enrollment_is_required_at_or_before_the_purchase(ingest, user):
    campaign = make_campaign(requires_enrollment=True)
    assert ingest("100.00").campaign_bonus == D("0.00")
    enrolled = CampaignEnrollment.objects.create(campaign=campaign, user=user)
    assert ingest("100.00", purchased_at=enrolled.enrolled_at - timedelta(seconds=1)).campaign_bonus == D("0.00")
    assert ingest("100.00").campaign_bonus == D("5.00")


def test_max_uses_per_user_and_a_reversal_gives_the_use_back(ingest, other_user, partner):
    make_campaign(max_uses_per_user=2)
    first, second, third = (ingest("100.00") for _ in range(3))
    assert [p.campaign_bonus for p in (first, second, third)] == [D("5.00"), D("5.00"), D("0.00")]
    assert ingest("100.00", user_id=other_user.id).campaign_bonus == D("5.00")  # uses are per user
    purchase_reverse(purchase_id=first.id, actor=ADMIN)
    assert ingest("100.00").campaign_bonus == D("5.00")


def test_a_partly_exhausted_budget_pays_what_is_left(ingest):
    campaign = make_campaign(kind="bonus_fixed", value="4.00", budget="10.00")
    bonuses = [ingest("100.00").campaign_bonus for _ in range(4)]
    assert bonuses == [D("4.00"), D("4.00"), D("2.00"), D("0.00")]
    assert spent(campaign) == D("10.00")


def test_the_next_campaign_applies_once_the_best_one_is_spent(ingest):
    best = make_campaign(kind="bonus_fixed", value="4.00", budget="4.00")
    other = make_campaign(kind="bonus_fixed", value="1.00")
    assert [ingest("100.00").campaign_id for _ in range(2)] == [best.id, other.id]


@pytest.mark.parametrize("confirmed", [False, True])
def test_a_reversal_gives_the_bonus_back_before_and_after_confirmation(ingest, confirmed):
    campaign = make_campaign(kind="bonus_fixed", value="4.00", budget="10.00")
    purchase = ingest("100.00")
    if confirmed:
        purchase_confirm(purchase_id=purchase.id, actor=ADMIN)
    assert spent(campaign) == D("4.00")
    _, changed = purchase_reverse(purchase_id=purchase.id, actor=ADMIN)
    assert changed and spent(campaign) == D("0.00")
    assert CampaignBonus.objects.get(purchase_id=purchase.id).reversed_at is not None
    purchase_reverse(purchase_id=purchase.id, actor=ADMIN)  # again: nothing more goes back
    assert spent(campaign) == D("0.00")
    call_command("verify_ledger")


def test_the_monthly_cap_counts_the_base_only(ingest, offer):
    offer_update(offer=offer, actor=ADMIN, monthly_cap_per_user=D("20.00"))
    make_campaign(kind="bonus_fixed", value="5.00")
    assert (ingest("100.00").cashback_base, ingest("100.00").cashback_base, ingest("100.00").cashback_base) == (
        D("10.00"),
        D("10.00"),
        D("0.00"),
    )


def test_verify_ledger_finds_a_budget_that_is_not_its_bonuses(ingest):
    campaign = make_campaign(budget="100.00")
    ingest("100.00")
    call_command("verify_ledger")
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE campaigns_campaignbudgetstripe SET spent = spent + 1 WHERE campaign_id = %s AND slot = 0",
            [campaign.id],
        )
    with pytest.raises(CommandError):
        call_command("verify_ledger")


def test_ingestion_with_one_running_campaign_costs_two_more_statements(signed_post, created_payload):
    """With one running campaign: 9 statements as without (the candidates query is one of them;
    see purchases' test_ingestion_query_count), plus the budget take with the bonus record (one
    statement) and its savepoint (not counted by the webhook's test either): 10 and a SAVEPOINT."""
    make_campaign(budget="1000.00")
    signed_post(WEBHOOK, created_payload())
    with CaptureQueriesContext(connection) as queries:
        response = signed_post(WEBHOOK, created_payload())
    assert response.status_code == 201 and response.json()["cashback_breakdown"]["campaign_bonus"] == "7.50"
    statements = [q["sql"] for q in queries if "SAVEPOINT" not in q["sql"]]
    assert len(statements) == 9 + 1, "\n".join(statements)
    assert sum("SAVEPOINT" in q["sql"] for q in queries) == 3  # the test's own pair, and the take's


def test_purchase_created_event_carries_the_breakdown(ingest, user):
    set_tier(user, "Silver")
    campaign = make_campaign(kind="bonus_fixed", value="2.00")
    purchase = ingest("100.00")
    event = OutboxEvent.objects.get(type="purchase.created", subject=str(purchase.id))
    assert event.data["cashback"] == {
        "base": "10.00",
        "tier_bonus": "0.50",
        "campaign_bonus": "2.00",
        "campaign_id": str(campaign.id),
        "tier": "Silver",
    }
    assert event.data["cashback_amount"] == "12.50"


def test_the_purchase_api_shows_the_breakdown_and_points(user_client, ingest, user):
    set_tier(user, "Gold")  # +10 %, points x1.50
    campaign = make_campaign(kind="bonus_fixed", value="1.00")
    purchase = ingest("99.99")
    shown = user_client.get(f"/api/v1/purchases/{purchase.id}").json()
    assert shown["cashback_breakdown"] == {
        "base": "10.00",
        "tier_bonus": "1.00",
        "campaign_bonus": "1.00",
        "campaign_id": str(campaign.id),
        "tier": "Gold",
    }
    assert (shown["cashback_amount"], shown["points"]) == ("12.00", 149)
    purchase_reverse(purchase_id=purchase.id, actor=ADMIN)
    assert user_client.get(f"/api/v1/purchases/{purchase.id}").json()["points"] == 0


def test_dashboard_selectors_spend_per_day_and_budget_left(ingest):
    campaign = make_campaign(kind="bonus_fixed", value="2.00", budget="9.00")
    unlimited = make_campaign(kind="bonus_fixed", value="1.00")
    first, _ = ingest("100.00"), ingest("100.00")
    purchase_reverse(purchase_id=first.id, actor=ADMIN)
    today = timezone.now().date()
    assert campaign_spend_per_day(today - timedelta(days=1), today) == {
        today - timedelta(days=1): D("0.00"),
        today: D("2.00"),
    }
    left = {c.id: budget_left for c, budget_left in running_campaigns_budget_left()}
    assert left == {campaign.id: D("7.00"), unlimited.id: None}


def test_verify_ledger_finds_a_purchase_bonus_its_campaign_did_not_record(ingest, capsys):
    make_campaign(kind="bonus_fixed", value="2.00")
    purchase = ingest("100.00")
    purchase_reverse(purchase_id=purchase.id, actor=ADMIN)
    call_command("verify_ledger")
    CampaignBonus.objects.filter(purchase_id=purchase.id).update(reversed_at=None)
    with pytest.raises(CommandError):
        call_command("verify_ledger")
    assert f"purchase {purchase.id} (reversed): campaign bonus 2.00" in capsys.readouterr().out
