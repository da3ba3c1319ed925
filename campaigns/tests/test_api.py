"""The campaigns API of the contract (api-v1-rewards.md, "Campaigns")."""

from datetime import timedelta
from decimal import Decimal as D

import pytest
from django.utils import timezone

from campaigns.models import Campaign, CampaignStatus
from campaigns.tests.factories import make_campaign
from clicknback.testing import error_code

pytestmark = pytest.mark.django_db
CAMPAIGN_FIELDS = {
    "id",
    "name",
    "description",
    "kind",
    "value",
    "merchant_ids",
    "starts_at",
    "ends_at",
    "min_purchase_amount",
    "max_bonus_per_purchase",
    "max_uses_per_user",
    "budget",
    "budget_spent",
    "requires_enrollment",
    "status",
    "created_at",
    "enrolled",
    "uses",
    "total_earned",
}


def body(**overrides):
    now = timezone.now()
    data = {
        "name": "Double weekend",
        "kind": "multiplier",
        "value": "2.00",
        "starts_at": (now - timedelta(hours=1)).isoformat(),
        "ends_at": (now + timedelta(days=2)).isoformat(),
    }
    return data | overrides


def test_admin_creates_a_campaign_active_with_defaults(admin_client, merchant):
    response = admin_client.post(
        "/api/v1/campaigns", body(merchant_ids=[str(merchant.id)], budget="200.00"), format="json"
    )
    assert response.status_code == 201, response.json()
    created = response.json()
    assert set(created) >= CAMPAIGN_FIELDS
    assert (created["status"], created["budget"], created["budget_spent"]) == ("active", "200.00", "0.00")
    assert (created["description"], created["min_purchase_amount"], created["max_uses_per_user"]) == ("", None, None)
    assert (created["requires_enrollment"], created["merchant_ids"], created["value"]) == (
        False,
        [str(merchant.id)],
        "2.00",
    )


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"kind": "multiplier", "value": "1.00"}, "value"),
        ({"kind": "multiplier", "value": "10.01"}, "value"),
        ({"kind": "bonus_percent", "value": "20.01"}, "value"),
        ({"kind": "bonus_fixed", "value": "0"}, "value"),
        ({"ends_at": (timezone.now() - timedelta(days=3)).isoformat()}, "ends_at"),
        ({"merchant_ids": ["00000000-0000-0000-0000-000000000001"]}, "merchant_ids"),
        ({"kind": "bogus"}, "kind"),
    ],
)
def test_bad_campaigns_are_400(admin_client, overrides, field):
    response = admin_client.post("/api/v1/campaigns", body(**overrides), format="json")
    assert response.status_code == 400, response.json()
    assert field in response.json()["error"]["details"]["fields"]
    assert not Campaign.objects.exists()


def test_a_window_in_the_past_is_allowed(admin_client):
    now = timezone.now()
    past = body(starts_at=(now - timedelta(days=9)).isoformat(), ends_at=(now - timedelta(days=8)).isoformat())
    assert admin_client.post("/api/v1/campaigns", past, format="json").status_code == 201


def test_users_may_not_create_or_edit(user_client):
    assert error_code(user_client.post("/api/v1/campaigns", body(), format="json")) == "PERMISSION_DENIED"
    campaign = make_campaign()
    response = user_client.patch(f"/api/v1/campaigns/{campaign.id}", {"name": "x"}, format="json")
    assert response.status_code == 403


def test_users_see_running_campaigns_only_with_their_usage(user_client, admin_client, ingest):
    running = make_campaign(kind="bonus_fixed", value="2.00")
    later = make_campaign(starts_at=timezone.now() + timedelta(days=1), ends_at=timezone.now() + timedelta(days=2))
    ingest("100.00")
    ingest("100.00")
    listed = user_client.get("/api/v1/campaigns").json()
    assert [c["id"] for c in listed["results"]] == [str(running.id)]
    mine = listed["results"][0]
    assert (mine["enrolled"], mine["uses"], mine["total_earned"], mine["budget_spent"]) == (False, 2, "4.00", "4.00")
    assert user_client.get(f"/api/v1/campaigns/{later.id}").status_code == 404
    assert admin_client.get(f"/api/v1/campaigns/{later.id}").status_code == 200
    everything = admin_client.get("/api/v1/campaigns").json()
    assert everything["count"] == 2
    assert admin_client.get("/api/v1/campaigns?status=paused").json()["count"] == 0


def test_patch_pauses_ends_and_edits(admin_client):
    campaign = make_campaign(budget="100.00")
    url = f"/api/v1/campaigns/{campaign.id}"
    response = admin_client.patch(url, {"status": "paused", "budget": "150.00", "max_uses_per_user": 2}, format="json")
    assert response.status_code == 200, response.json()
    assert (response.json()["status"], response.json()["budget"], response.json()["max_uses_per_user"]) == (
        "paused",
        "150.00",
        2,
    )
    assert admin_client.patch(url, {"status": "ended"}, format="json").json()["status"] == "ended"
    response = admin_client.patch(url, {"status": "active"}, format="json")
    assert (response.status_code, error_code(response)) == (409, "INVALID_STATE_TRANSITION")
    assert Campaign.objects.get(pk=campaign.pk).status == CampaignStatus.ENDED


def test_a_budget_below_what_is_spent_is_409(admin_client, ingest):
    campaign = make_campaign(kind="bonus_fixed", value="4.00", budget="100.00")
    ingest("100.00")
    ingest("100.00")
    url = f"/api/v1/campaigns/{campaign.id}"
    response = admin_client.patch(url, {"budget": "7.99"}, format="json")
    assert (response.status_code, error_code(response)) == (409, "BUDGET_BELOW_SPENT")
    assert response.json()["error"]["details"] == {"budget_spent": "8.00"}
    assert admin_client.patch(url, {"budget": "8.00"}, format="json").status_code == 200
    assert ingest("100.00").campaign_bonus == D("0.00")  # nothing left
    assert admin_client.patch(url, {"budget": "10.00"}, format="json").status_code == 200
    assert ingest("100.00").campaign_bonus == D("2.00")  # what the raise left


def test_enrollment_is_idempotent(user_client):
    campaign = make_campaign(requires_enrollment=True)
    first = user_client.post(f"/api/v1/campaigns/{campaign.id}/enroll")
    again = user_client.post(f"/api/v1/campaigns/{campaign.id}/enroll/")
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json() == again.json() and first.json()["campaign_id"] == str(campaign.id)
    assert user_client.get(f"/api/v1/campaigns/{campaign.id}").json()["enrolled"] is True


def test_enrolling_in_a_campaign_not_running_is_422(user_client, admin_client):
    campaign = make_campaign()
    admin_client.patch(f"/api/v1/campaigns/{campaign.id}", {"status": "paused"}, format="json")
    response = user_client.post(f"/api/v1/campaigns/{campaign.id}/enroll")
    assert (response.status_code, error_code(response)) == (422, "CAMPAIGN_NOT_AVAILABLE")
    unknown = user_client.post("/api/v1/campaigns/00000000-0000-0000-0000-000000000001/enroll")
    assert unknown.status_code == 404
