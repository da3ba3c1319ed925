"""POST /merchants/{id}/click and GET /clicks, and the merchants' tracking_url."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from clicknback.testing import error_code
from clicks.models import Click
from clicks.services import client_fingerprint
from clicks.tests.factories import ClickFactory
from merchants.models import MerchantStatus
from merchants.tests.factories import MerchantFactory
from offers.models import OfferStatus
from offers.tests.factories import OfferFactory
from tests.contract import CLICK_CREATED_FIELDS, CLICK_FIELDS, MERCHANT_ADMIN_FIELDS, MERCHANT_FIELDS

pytestmark = pytest.mark.django_db
TRACKING = "https://shop.example.com/go?ref={click_id}&src=cnb"


def click_path(merchant_id) -> str:
    return f"/api/v1/merchants/{merchant_id}/click"


@pytest.fixture
def merchant():
    return OfferFactory(merchant=MerchantFactory(tracking_url=TRACKING)).merchant


def test_click_answers_where_to_send_the_user(user_client: APIClient, user, merchant, settings) -> None:
    settings.CLICK_TTL_DAYS = 10
    response = user_client.post(click_path(merchant.id), HTTP_USER_AGENT="Firefox", REMOTE_ADDR="203.0.113.9")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert set(body) == CLICK_CREATED_FIELDS
    click = Click.objects.get(pk=body["click_id"])
    assert body["redirect_url"] == f"https://shop.example.com/go?ref={click.id}&src=cnb"
    assert (click.user, click.merchant, click.offer) == (user, merchant, merchant.offers.get())
    assert click.expires_at - click.created_at == timedelta(days=10)
    # The address is kept only as a keyed hash of it and the user agent.
    assert click.client_hash == client_fingerprint(address="203.0.113.9", user_agent="Firefox")
    assert "203.0.113.9" not in str(Click.objects.filter(pk=click.pk).values().get())


def test_click_ids_are_long_random_and_url_safe(user_client: APIClient, merchant) -> None:
    ids = {user_client.post(click_path(merchant.id)).json()["click_id"] for _ in range(5)}
    assert len(ids) == 5
    assert all(len(click_id) >= 22 and click_id.replace("-", "").replace("_", "").isalnum() for click_id in ids)


def test_click_is_one_insert_in_three_statements(user_client: APIClient, merchant, django_assert_num_queries) -> None:
    """The user, the offer with its merchant, the INSERT; plus the savepoint pair the test's
    transaction turns BEGIN/COMMIT into."""
    with django_assert_num_queries(5) as captured:
        response = user_client.post(click_path(merchant.id))
    assert response.status_code == 201
    assert sum(query["sql"].startswith("INSERT") for query in captured.captured_queries) == 1


@pytest.mark.parametrize(
    "make",
    [
        lambda: OfferFactory(merchant=MerchantFactory(tracking_url=TRACKING, status=MerchantStatus.INACTIVE)).merchant,
        lambda: OfferFactory(merchant=MerchantFactory(tracking_url=TRACKING), status=OfferStatus.INACTIVE).merchant,
        lambda: (
            OfferFactory(
                merchant=MerchantFactory(tracking_url=TRACKING),
                starts_on=timezone.now().date() + timedelta(days=1),
                ends_on=timezone.now().date() + timedelta(days=9),
            ).merchant
        ),
        lambda: OfferFactory(merchant=MerchantFactory(tracking_url="")).merchant,
        lambda: MerchantFactory(tracking_url=TRACKING),
    ],
    ids=["inactive merchant", "inactive offer", "offer not valid today", "no tracking url", "no offer"],
)
def test_click_needs_an_active_merchant_with_an_offer_today(user_client: APIClient, make) -> None:
    response = user_client.post(click_path(make().id))
    assert response.status_code == 422
    assert error_code(response) == "OFFER_NOT_AVAILABLE"
    assert not Click.objects.exists()


def test_click_is_for_users_only(admin_client: APIClient, api_client: APIClient, merchant) -> None:
    assert admin_client.post(click_path(merchant.id)).status_code == 403
    assert api_client.post(click_path(merchant.id)).status_code == 401


def test_users_list_only_their_own_clicks_newest_first(user_client: APIClient, user) -> None:
    older = ClickFactory(user=user, created_at=timezone.now() - timedelta(hours=1))
    newer = ClickFactory(user=user)
    ClickFactory()  # someone else's
    response = user_client.get("/api/v1/clicks", {"user_id": str(ClickFactory().user_id)})
    assert response.status_code == 200
    body = response.json()
    assert [row["click_id"] for row in body["results"]] == [newer.id, older.id]
    assert set(body["results"][0]) == CLICK_FIELDS


def test_admins_list_every_click_and_filter(admin_client: APIClient) -> None:
    mine, other = ClickFactory(), ClickFactory()
    assert admin_client.get("/api/v1/clicks").json()["count"] == 2
    by_merchant = admin_client.get("/api/v1/clicks", {"merchant_id": str(mine.merchant_id)}).json()
    assert [row["click_id"] for row in by_merchant["results"]] == [mine.id]
    by_user = admin_client.get("/api/v1/clicks", {"user_id": str(other.user_id)}).json()
    assert [row["click_id"] for row in by_user["results"]] == [other.id]
    assert admin_client.get("/api/v1/clicks", {"user_id": "nope"}).status_code == 400


@pytest.mark.parametrize(
    "url",
    ["http://shop.example.com/?c={click_id}", "https://shop.example.com/", "not a url {click_id}"],
)
def test_tracking_url_must_be_https_with_the_click_id(admin_client: APIClient, url: str) -> None:
    response = admin_client.post("/api/v1/merchants", {"name": "Shop", "tracking_url": url}, format="json")
    assert response.status_code == 400
    assert "tracking_url" in response.json()["error"]["details"]["fields"]


def test_tracking_url_is_shown_to_admins_only(admin_client: APIClient, user_client: APIClient) -> None:
    created = admin_client.post("/api/v1/merchants", {"name": "Shop", "tracking_url": TRACKING}, format="json")
    assert created.status_code == 201
    assert created.json()["tracking_url"] == TRACKING
    path = f"/api/v1/merchants/{created.json()['id']}"
    assert set(admin_client.get(path).json()) == MERCHANT_ADMIN_FIELDS
    assert set(user_client.get(path).json()) == MERCHANT_FIELDS
    patched = admin_client.patch(path, {"tracking_url": ""}, format="json")
    assert patched.json()["tracking_url"] is None
