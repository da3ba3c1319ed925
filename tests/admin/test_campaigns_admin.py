"""Campaigns in the admin: created and edited through the services, paused and ended by actions,
the list showing the budget used; a purchase's page shows its cashback breakdown."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from campaigns.models import Campaign, CampaignBudgetStripe
from campaigns.tests.factories import make_campaign
from tests.admin.conftest import changelist

pytestmark = pytest.mark.django_db
CAMPAIGNS = changelist("campaigns_campaign")


def form(**overrides) -> dict:
    now = timezone.now()
    data = {
        "name": "Spring",
        "description": "",
        "kind": "bonus_fixed",
        "value": "2.00",
        "merchant_ids": "",
        "starts_at_0": (now - timedelta(days=1)).strftime("%Y-%m-%d"),
        "starts_at_1": "00:00:00",
        "ends_at_0": (now + timedelta(days=5)).strftime("%Y-%m-%d"),
        "ends_at_1": "00:00:00",
        "budget": "100.00",
    }
    return data | overrides


def test_a_campaign_is_created_with_its_stripes(as_superuser):
    response = as_superuser.post(f"{CAMPAIGNS}add/", form())
    assert response.status_code == 200
    campaign = Campaign.objects.get(name="Spring")
    assert CampaignBudgetStripe.objects.filter(campaign=campaign).count() == 16
    assert sum(s.limit for s in CampaignBudgetStripe.objects.filter(campaign=campaign)) == Decimal("100.00")


def test_a_bad_value_is_a_form_error(as_superuser):
    response = as_superuser.post(f"{CAMPAIGNS}add/", form(kind="multiplier", value="11.00"))
    assert "A factor above 1 and at most 10." in response.content.decode()
    assert not Campaign.objects.exists()


def test_pause_resume_and_end_actions(as_superuser):
    campaign = make_campaign()
    as_superuser.action(CAMPAIGNS, "pause", [campaign])
    assert Campaign.objects.get(pk=campaign.pk).status == "paused"
    as_superuser.action(CAMPAIGNS, "end", [campaign])
    assert Campaign.objects.get(pk=campaign.pk).status == "ended"
    response = as_superuser.action(CAMPAIGNS, "resume", [campaign])
    assert Campaign.objects.get(pk=campaign.pk).status == "ended"
    assert "cannot become active" in response.content.decode()


def test_the_list_shows_the_budget_used_for_a_fixed_number_of_queries(as_support, ingest):
    campaign = make_campaign(kind="bonus_fixed", value="5.00", budget="20.00")
    ingest("100.00")
    as_support.get(CAMPAIGNS)
    with CaptureQueriesContext(connection) as few:
        page = as_support.get(CAMPAIGNS)
    assert page.status_code == 200 and "25 %" in page.content.decode()
    for _ in range(5):
        make_campaign(budget="10.00")
    with CaptureQueriesContext(connection) as many:
        as_support.get(CAMPAIGNS)
    assert len(many.captured_queries) == len(few.captured_queries)
    detail = as_support.get(f"{CAMPAIGNS}{campaign.pk}/change/")
    assert detail.status_code == 200 and "campaign-usage" in detail.content.decode()


def test_a_purchase_page_shows_its_breakdown(as_support, ingest):
    make_campaign(kind="bonus_fixed", value="3.00")
    purchase = ingest("100.00")
    page = as_support.get(f"{changelist('purchases_purchase')}{purchase.pk}/change/").content.decode()
    assert "cashback-breakdown" in page and "bonus_fixed 3.00" in page
