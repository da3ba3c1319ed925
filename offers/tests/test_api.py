"""The offer endpoints against the contract: roles, visibility, validation, filters, no overlap."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.test import override_settings
from rest_framework.test import APIClient

from clicknback.testing import error_code
from merchants.models import MerchantStatus
from merchants.tests.factories import InactiveMerchantFactory, MerchantFactory
from offers.models import Offer, OfferStatus
from offers.selectors import utc_today
from offers.tests.factories import OfferFactory
from tests.contract import OFFER_FIELDS

pytestmark = pytest.mark.django_db

LIST = "/api/v1/offers"
DATE_RANGE = "Must be between 2000-01-01 and 2100-12-31."
ACTIVE = "/api/v1/offers/active"


def detail(offer: Offer) -> str:
    return f"{LIST}/{offer.id}"


def fields_of(response) -> dict[str, list[str]]:
    assert response.status_code == 400, response.json()
    assert error_code(response) == "VALIDATION_ERROR"
    return response.json()["error"]["details"]["fields"]


def ids(response) -> list[str]:
    assert response.status_code == 200, response.json()
    return [item["id"] for item in response.json()["results"]]


@pytest.fixture
def merchant():
    return MerchantFactory(name="Acme")


@pytest.fixture
def payload(merchant) -> dict[str, Any]:
    return {
        "merchant_id": str(merchant.id),
        "cashback_type": "percent",
        "cashback_value": "11.00",
        "starts_on": "2030-01-01",
        "ends_on": "2030-01-31",
    }


# --- create ---------------------------------------------------------------------------------


def test_admin_creates_percent_offer(admin_client: APIClient, payload: dict, merchant) -> None:
    response = admin_client.post(LIST, payload, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert set(body) == OFFER_FIELDS
    assert body["merchant_id"] == str(merchant.id)
    assert body["merchant_name"] == "Acme"
    assert body["cashback_type"] == "percent"
    assert body["cashback_value"] == "11.00"
    assert (body["starts_on"], body["ends_on"]) == ("2030-01-01", "2030-01-31")
    assert body["monthly_cap_per_user"] is None
    assert body["min_purchase_amount"] is None
    assert body["max_cashback_per_purchase"] is None
    assert body["status"] == "active"
    assert Offer.objects.get(pk=body["id"]).cashback_value == Decimal("11.00")


def test_admin_creates_fixed_offer_with_limits(admin_client: APIClient, payload: dict) -> None:
    payload |= {
        "cashback_type": "fixed",
        "cashback_value": 5,
        "monthly_cap_per_user": "50.5",
        "min_purchase_amount": "0",
        "max_cashback_per_purchase": Decimal("7.25"),
    }
    body = admin_client.post(LIST, payload, format="json").json()
    assert body["cashback_value"] == "5.00"
    assert body["monthly_cap_per_user"] == "50.50"
    assert body["min_purchase_amount"] == "0.00"
    assert body["max_cashback_per_purchase"] == "7.25"


def test_the_supported_date_range_is_inclusive(admin_client: APIClient, payload: dict) -> None:
    response = admin_client.post(LIST, payload | {"starts_on": "2000-01-01", "ends_on": "2100-12-31"}, format="json")
    assert response.status_code == 201, response.json()
    assert ids(admin_client.get(LIST, {"active_on": "2100-12-31"})) == [response.json()["id"]]


def test_one_day_offer_is_allowed(admin_client: APIClient, payload: dict) -> None:
    payload |= {"starts_on": "2030-03-03", "ends_on": "2030-03-03"}
    assert admin_client.post(LIST, payload, format="json").status_code == 201


def test_percent_at_the_maximum_is_allowed(admin_client: APIClient, payload: dict) -> None:
    payload["cashback_value"] = "20.00"
    assert admin_client.post(LIST, payload, format="json").status_code == 201


def test_fixed_value_may_exceed_the_percent_maximum(admin_client: APIClient, payload: dict) -> None:
    payload |= {"cashback_type": "fixed", "cashback_value": "250.00"}
    assert admin_client.post(LIST, payload, format="json").status_code == 201


POSITIVE = "Must be greater than 0."
TWO_PLACES = "Use at most two decimal places."


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"cashback_value": "20.01"}, "cashback_value", "A percent cashback must be at most 20.00."),
        ({"cashback_value": "0"}, "cashback_value", POSITIVE),
        ({"cashback_value": "-1.00"}, "cashback_value", POSITIVE),
        ({"cashback_value": "1.005"}, "cashback_value", TWO_PLACES),
        ({"cashback_value": "NaN"}, "cashback_value", 'Enter a valid amount, such as "12.50".'),
        ({"cashback_type": "fixed", "cashback_value": "0.00"}, "cashback_value", POSITIVE),
        ({"cashback_type": "fixed", "cashback_value": "1.999"}, "cashback_value", TWO_PLACES),
        (
            {"cashback_type": "fixed", "cashback_value": "1234567890123.00"},
            "cashback_value",
            "Use at most 12 digits before the decimal point.",
        ),
        ({"cashback_type": "bonus"}, "cashback_type", '"bonus" is not a valid choice.'),
        ({"ends_on": "2029-12-31"}, "ends_on", "Must be on or after starts_on."),
        (
            {"starts_on": "01/02/2030"},
            "starts_on",
            "Date has wrong format. Use one of these formats instead: YYYY-MM-DD.",
        ),
        ({"ends_on": "2030-02-30"}, "ends_on", "Date has wrong format. Use one of these formats instead: YYYY-MM-DD."),
        ({"starts_on": "0001-01-01"}, "starts_on", DATE_RANGE),
        ({"starts_on": "1999-12-31"}, "starts_on", DATE_RANGE),
        ({"ends_on": "2101-01-01"}, "ends_on", DATE_RANGE),
        ({"monthly_cap_per_user": "0.00"}, "monthly_cap_per_user", POSITIVE),
        ({"monthly_cap_per_user": "-5"}, "monthly_cap_per_user", POSITIVE),
        ({"max_cashback_per_purchase": "0"}, "max_cashback_per_purchase", POSITIVE),
        ({"min_purchase_amount": "-0.01"}, "min_purchase_amount", "Must be 0 or greater."),
        ({"min_purchase_amount": "1.234"}, "min_purchase_amount", TWO_PLACES),
        ({"merchant_id": "not-a-uuid"}, "merchant_id", "Must be a valid UUID."),
        (
            {"merchant_id": "00000000-0000-0000-0000-000000000000"},
            "merchant_id",
            "No merchant with this id.",
        ),
    ],
)
def test_create_validation(admin_client: APIClient, payload: dict, changes: dict, field: str, message: str) -> None:
    response = admin_client.post(LIST, payload | changes, format="json")
    assert fields_of(response)[field] == [message]
    assert not Offer.objects.exists()


@pytest.mark.parametrize("field", ["merchant_id", "cashback_type", "cashback_value", "starts_on", "ends_on"])
def test_create_requires_field(admin_client: APIClient, payload: dict, field: str) -> None:
    del payload[field]
    assert fields_of(admin_client.post(LIST, payload, format="json"))[field] == ["This field is required."]


@override_settings(MAX_CASHBACK_PERCENT=Decimal("35.00"))
def test_percent_maximum_is_a_setting(admin_client: APIClient, payload: dict) -> None:
    payload["cashback_value"] = "35.00"
    assert admin_client.post(LIST, payload, format="json").status_code == 201
    payload |= {"cashback_value": "35.01", "starts_on": "2031-01-01", "ends_on": "2031-01-02"}
    message = "A percent cashback must be at most 35.00."
    assert fields_of(admin_client.post(LIST, payload, format="json"))["cashback_value"] == [message]


def test_all_rule_errors_are_reported_together(admin_client: APIClient, payload: dict) -> None:
    payload |= {
        "cashback_value": "50.00",
        "ends_on": "2029-01-01",
        "merchant_id": "00000000-0000-0000-0000-000000000000",
    }
    assert set(fields_of(admin_client.post(LIST, payload, format="json"))) == {
        "cashback_value",
        "ends_on",
        "merchant_id",
    }


def test_inactive_merchant_is_422(admin_client: APIClient, payload: dict) -> None:
    merchant = InactiveMerchantFactory()
    payload["merchant_id"] = str(merchant.id)
    response = admin_client.post(LIST, payload, format="json")
    assert response.status_code == 422
    assert error_code(response) == "MERCHANT_INACTIVE"
    assert not Offer.objects.exists()


def test_user_cannot_create(user_client: APIClient, payload: dict) -> None:
    response = user_client.post(LIST, payload, format="json")
    assert response.status_code == 403
    assert error_code(response) == "PERMISSION_DENIED"
    assert not Offer.objects.exists()


def test_anonymous_gets_401(api_client: APIClient) -> None:
    offer = OfferFactory()
    for path in (LIST, ACTIVE, detail(offer)):
        response = api_client.get(path)
        assert response.status_code == 401
        assert error_code(response) == "NOT_AUTHENTICATED"


# --- overlap --------------------------------------------------------------------------------


def overlap_of(response) -> str:
    assert response.status_code == 409, response.json()
    assert error_code(response) == "OFFER_OVERLAP"
    return response.json()["error"]["details"]["offer_id"]


def make_offer(merchant, starts_on: date, ends_on: date, **extra: Any) -> Offer:
    return OfferFactory(merchant=merchant, starts_on=starts_on, ends_on=ends_on, **extra)


@pytest.mark.parametrize(
    ("starts_on", "ends_on"),
    [
        ("2030-01-31", "2030-02-28"),  # shares the last day
        ("2029-12-01", "2030-01-01"),  # shares the first day
        ("2030-01-10", "2030-01-12"),  # inside
        ("2029-12-01", "2030-03-01"),  # around
    ],
)
def test_creating_an_overlapping_offer_is_409(admin_client: APIClient, payload: dict, merchant, starts_on, ends_on):
    existing = make_offer(merchant, date(2030, 1, 1), date(2030, 1, 31))
    payload |= {"starts_on": starts_on, "ends_on": ends_on}
    assert overlap_of(admin_client.post(LIST, payload, format="json")) == str(existing.id)
    assert Offer.objects.count() == 1


def test_touching_windows_are_allowed(admin_client: APIClient, payload: dict, merchant) -> None:
    make_offer(merchant, date(2030, 1, 1), date(2030, 1, 10))
    payload |= {"starts_on": "2030-01-11", "ends_on": "2030-01-20"}
    assert admin_client.post(LIST, payload, format="json").status_code == 201
    payload |= {"starts_on": "2029-12-01", "ends_on": "2029-12-31"}
    assert admin_client.post(LIST, payload, format="json").status_code == 201


def test_overlap_with_an_inactive_offer_or_another_merchant_is_allowed(
    admin_client: APIClient, payload: dict, merchant
) -> None:
    make_offer(merchant, date(2030, 1, 1), date(2030, 1, 31), status=OfferStatus.INACTIVE)
    make_offer(MerchantFactory(), date(2030, 1, 1), date(2030, 1, 31))
    assert admin_client.post(LIST, payload, format="json").status_code == 201


def test_reactivating_into_an_overlap_is_409(admin_client: APIClient, merchant) -> None:
    active = make_offer(merchant, date(2030, 1, 1), date(2030, 1, 31))
    dormant = make_offer(merchant, date(2030, 1, 20), date(2030, 2, 20), status=OfferStatus.INACTIVE)
    assert overlap_of(admin_client.patch(detail(dormant), {"status": "active"}, format="json")) == str(active.id)
    dormant.refresh_from_db()
    assert dormant.status == OfferStatus.INACTIVE


def test_reactivating_without_overlap_is_allowed(admin_client: APIClient, merchant) -> None:
    make_offer(merchant, date(2030, 1, 1), date(2030, 1, 31))
    dormant = make_offer(merchant, date(2030, 2, 1), date(2030, 2, 20), status=OfferStatus.INACTIVE)
    assert admin_client.patch(detail(dormant), {"status": "active"}, format="json").json()["status"] == "active"


def test_extending_into_an_overlap_is_409(admin_client: APIClient, merchant) -> None:
    first = make_offer(merchant, date(2030, 1, 1), date(2030, 1, 10))
    second = make_offer(merchant, date(2030, 1, 11), date(2030, 1, 20))
    assert overlap_of(admin_client.patch(detail(first), {"ends_on": "2030-01-11"}, format="json")) == str(second.id)
    first.refresh_from_db()
    assert first.ends_on == date(2030, 1, 10)


def test_deactivating_then_extending_then_reactivating(admin_client: APIClient, merchant) -> None:
    first = make_offer(merchant, date(2030, 1, 1), date(2030, 1, 10))
    second = make_offer(merchant, date(2030, 1, 11), date(2030, 1, 20))
    assert admin_client.patch(detail(second), {"status": "inactive"}, format="json").status_code == 200
    assert admin_client.patch(detail(first), {"ends_on": "2030-01-25"}, format="json").json()["ends_on"] == "2030-01-25"
    assert overlap_of(admin_client.patch(detail(second), {"status": "active"}, format="json")) == str(first.id)


# --- update ---------------------------------------------------------------------------------


def test_admin_updates_limits_and_dates(admin_client: APIClient, merchant) -> None:
    offer = make_offer(merchant, date(2030, 1, 1), date(2030, 1, 31), monthly_cap_per_user=Decimal("9.00"))
    changes = {
        "ends_on": "2030-02-15",
        "monthly_cap_per_user": None,
        "min_purchase_amount": "10.00",
        "max_cashback_per_purchase": "3.50",
    }
    response = admin_client.patch(detail(offer), changes, format="json")
    assert response.status_code == 200
    assert {key: response.json()[key] for key in changes} == changes
    offer.refresh_from_db()
    assert offer.monthly_cap_per_user is None
    assert offer.max_cashback_per_purchase == Decimal("3.50")


def test_empty_patch_changes_nothing(admin_client: APIClient) -> None:
    offer = OfferFactory()
    response = admin_client.patch(detail(offer), {}, format="json")
    assert response.status_code == 200
    assert response.json()["ends_on"] == offer.ends_on.isoformat()


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"ends_on": "2029-12-31"}, "ends_on", "Must be on or after starts_on."),
        ({"ends_on": "soon"}, "ends_on", "Date has wrong format. Use one of these formats instead: YYYY-MM-DD."),
        ({"ends_on": "2101-01-01"}, "ends_on", DATE_RANGE),
        ({"ends_on": "9999-12-31"}, "ends_on", DATE_RANGE),
        ({"status": "paused"}, "status", '"paused" is not a valid choice.'),
        ({"monthly_cap_per_user": "0"}, "monthly_cap_per_user", POSITIVE),
        ({"max_cashback_per_purchase": "-2"}, "max_cashback_per_purchase", POSITIVE),
        ({"min_purchase_amount": "-1"}, "min_purchase_amount", "Must be 0 or greater."),
        ({"cashback_value": "5.00"}, "cashback_value", "This field cannot be changed."),
        ({"starts_on": "2030-01-02"}, "starts_on", "This field cannot be changed."),
        ({"merchant_id": "00000000-0000-0000-0000-000000000000"}, "merchant_id", "This field cannot be changed."),
        ({"cashback_type": "fixed"}, "cashback_type", "This field cannot be changed."),
    ],
)
def test_update_validation(admin_client: APIClient, merchant, changes: dict, field: str, message: str) -> None:
    offer = make_offer(merchant, date(2030, 1, 1), date(2030, 1, 31))
    assert fields_of(admin_client.patch(detail(offer), changes, format="json"))[field] == [message]
    offer.refresh_from_db()
    assert offer.ends_on == date(2030, 1, 31)


def test_ends_on_may_equal_stored_starts_on(admin_client: APIClient, merchant) -> None:
    offer = make_offer(merchant, date(2030, 1, 1), date(2030, 1, 31))
    assert admin_client.patch(detail(offer), {"ends_on": "2030-01-01"}, format="json").status_code == 200


def test_user_cannot_update(user_client: APIClient) -> None:
    offer = OfferFactory()
    response = user_client.patch(detail(offer), {"status": "inactive"}, format="json")
    assert response.status_code == 403
    assert error_code(response) == "PERMISSION_DENIED"
    offer.refresh_from_db()
    assert offer.status == OfferStatus.ACTIVE


def test_update_unknown_offer_is_404(admin_client: APIClient) -> None:
    response = admin_client.patch(f"{LIST}/00000000-0000-0000-0000-000000000000", {"status": "active"}, format="json")
    assert response.status_code == 404
    assert error_code(response) == "NOT_FOUND"


# --- reads ----------------------------------------------------------------------------------


@pytest.fixture
def catalogue():
    """A live offer, an inactive offer, and an active offer of an inactive merchant."""
    live = OfferFactory()
    dormant = OfferFactory(status=OfferStatus.INACTIVE)
    orphan = OfferFactory(merchant=InactiveMerchantFactory())
    return live, dormant, orphan


def test_users_see_only_active_offers_of_active_merchants(user_client: APIClient, catalogue) -> None:
    live, dormant, orphan = catalogue
    assert ids(user_client.get(LIST)) == [str(live.id)]
    assert user_client.get(detail(live)).json()["id"] == str(live.id)
    for hidden in (dormant, orphan):
        response = user_client.get(detail(hidden))
        assert response.status_code == 404
        assert error_code(response) == "NOT_FOUND"


def test_admins_see_everything_and_filter_by_status(admin_client: APIClient, catalogue) -> None:
    live, dormant, orphan = catalogue
    assert set(ids(admin_client.get(LIST))) == {str(live.id), str(dormant.id), str(orphan.id)}
    assert ids(admin_client.get(LIST, {"status": "inactive"})) == [str(dormant.id)]
    for offer in catalogue:
        assert admin_client.get(detail(offer)).status_code == 200


def test_users_status_filter_is_ignored(user_client: APIClient, catalogue) -> None:
    assert ids(user_client.get(LIST, {"status": "inactive"})) == [str(catalogue[0].id)]


def test_list_is_newest_first(user_client: APIClient) -> None:
    offers = [OfferFactory() for _ in range(3)]
    assert ids(user_client.get(LIST)) == [str(offer.id) for offer in reversed(offers)]


def test_filter_by_merchant(user_client: APIClient) -> None:
    mine = OfferFactory()
    OfferFactory()
    assert ids(user_client.get(LIST, {"merchant_id": str(mine.merchant_id)})) == [str(mine.id)]


def test_filter_active_on_includes_both_edges(admin_client: APIClient, merchant) -> None:
    january = make_offer(merchant, date(2030, 1, 1), date(2030, 1, 31))
    february = make_offer(merchant, date(2030, 2, 1), date(2030, 2, 28))
    assert ids(admin_client.get(LIST, {"active_on": "2030-01-01"})) == [str(january.id)]
    assert ids(admin_client.get(LIST, {"active_on": "2030-01-31"})) == [str(january.id)]
    assert ids(admin_client.get(LIST, {"active_on": "2030-02-01"})) == [str(february.id)]
    assert ids(admin_client.get(LIST, {"active_on": "2029-12-31"})) == []


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"active_on": "31/01/2030"}, "active_on"),
        ({"active_on": "0001-01-01"}, "active_on"),
        ({"active_on": "2101-01-01"}, "active_on"),
        ({"merchant_id": "nope"}, "merchant_id"),
        ({"status": "x"}, "status"),
    ],
)
def test_bad_filters_are_400(admin_client: APIClient, params: dict, field: str) -> None:
    assert field in fields_of(admin_client.get(LIST, params))


def test_active_lists_offers_valid_today(user_client: APIClient, admin_client: APIClient) -> None:
    today = utc_today()
    merchant = MerchantFactory()
    ends_today = make_offer(merchant, today - timedelta(days=5), today)
    make_offer(merchant, today + timedelta(days=1), today + timedelta(days=9))  # starts tomorrow
    starts_today = make_offer(MerchantFactory(), today, today + timedelta(days=9))
    make_offer(MerchantFactory(), today - timedelta(days=9), today - timedelta(days=1))  # ended yesterday
    make_offer(MerchantFactory(), today, today, status=OfferStatus.INACTIVE)
    make_offer(InactiveMerchantFactory(), today, today)
    expected = {str(ends_today.id), str(starts_today.id)}
    assert set(ids(user_client.get(ACTIVE))) == expected
    assert set(ids(admin_client.get(ACTIVE))) == expected
    assert user_client.get(f"{ACTIVE}/").status_code == 200


def test_merchant_deactivation_hides_its_offers(user_client: APIClient, admin_client: APIClient) -> None:
    offer = OfferFactory()
    admin_client.patch(f"/api/v1/merchants/{offer.merchant_id}", {"status": "inactive"}, format="json")
    assert ids(user_client.get(ACTIVE)) == []
    assert user_client.get(detail(offer)).status_code == 404
    offer.merchant.refresh_from_db()
    assert offer.merchant.status == MerchantStatus.INACTIVE


@pytest.mark.parametrize("rows", [3, 30])
@pytest.mark.parametrize("path", [LIST, ACTIVE])
def test_list_query_count_does_not_grow_with_rows(
    user_client: APIClient, django_assert_num_queries, rows: int, path: str
) -> None:
    OfferFactory.create_batch(rows)
    # the bearer token's user, the count, the page (merchants joined)
    with django_assert_num_queries(3):
        response = user_client.get(path, {"limit": 100})
    assert len(response.json()["results"]) == rows
    assert all(item["merchant_name"] for item in response.json()["results"])


def test_trailing_slash_variants(admin_client: APIClient, payload: dict) -> None:
    offer = OfferFactory()
    assert admin_client.get(f"{LIST}/").status_code == 200
    assert admin_client.get(f"{detail(offer)}/").status_code == 200
    assert admin_client.post(f"{LIST}/", payload, format="json").status_code == 201
    assert admin_client.patch(f"{detail(offer)}/", {"status": "inactive"}, format="json").status_code == 200
