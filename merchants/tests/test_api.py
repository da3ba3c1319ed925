"""The merchant endpoints against the contract: roles, visibility, validation, name uniqueness."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from clicknback.testing import error_code
from merchants.models import Merchant, MerchantStatus
from merchants.tests.factories import InactiveMerchantFactory, MerchantFactory
from tests.contract import MERCHANT_ADMIN_FIELDS

pytestmark = pytest.mark.django_db

LIST = "/api/v1/merchants"


def detail(merchant: Merchant) -> str:
    return f"{LIST}/{merchant.id}"


def fields_of(response) -> dict[str, list[str]]:
    assert error_code(response) == "VALIDATION_ERROR", response.json()
    return response.json()["error"]["details"]["fields"]


# --- create ---------------------------------------------------------------------------------


def test_admin_creates_merchant_with_defaults(admin_client: APIClient) -> None:
    response = admin_client.post(LIST, {"name": "Acme Shoes"}, format="json")
    assert response.status_code == 201
    body = response.json()
    assert set(body) == MERCHANT_ADMIN_FIELDS
    assert body["name"] == "Acme Shoes"
    assert body["website"] is None
    assert body["status"] == "active"
    assert body["confirmation_days"] == 30
    assert Merchant.objects.get(pk=body["id"]).name == "Acme Shoes"


def test_admin_creates_merchant_with_all_fields(admin_client: APIClient) -> None:
    payload = {"name": "  Books & Co  ", "website": "https://books.example.com", "confirmation_days": 0}
    body = admin_client.post(LIST, payload, format="json").json()
    assert body["name"] == "Books & Co"
    assert body["website"] == "https://books.example.com"
    assert body["confirmation_days"] == 0


@pytest.mark.parametrize("name", ["acme", "ACME", "Acme"])
def test_name_taken_case_insensitively_is_409(admin_client: APIClient, name: str) -> None:
    MerchantFactory(name="Acme")
    response = admin_client.post(LIST, {"name": name}, format="json")
    assert response.status_code == 409
    assert error_code(response) == "MERCHANT_NAME_TAKEN"
    assert Merchant.objects.count() == 1


@pytest.mark.parametrize(
    ("payload", "field", "message"),
    [
        ({}, "name", "This field is required."),
        ({"name": "   "}, "name", "This field may not be blank."),
        ({"name": "x" * 201}, "name", "Ensure this field has no more than 200 characters."),
        ({"name": "A", "website": "not a url"}, "website", "Enter a valid URL."),
        (
            {"name": "A", "confirmation_days": -1},
            "confirmation_days",
            "Ensure this value is greater than or equal to 0.",
        ),
        (
            {"name": "A", "confirmation_days": 366},
            "confirmation_days",
            "Ensure this value is less than or equal to 365.",
        ),
        ({"name": "A", "confirmation_days": "soon"}, "confirmation_days", "A valid integer is required."),
    ],
)
def test_create_validation(admin_client: APIClient, payload: dict, field: str, message: str) -> None:
    response = admin_client.post(LIST, payload, format="json")
    assert response.status_code == 400
    assert fields_of(response)[field] == [message]
    assert not Merchant.objects.exists()


def test_invalid_json_is_400(admin_client: APIClient) -> None:
    response = admin_client.post(LIST, "{nope", content_type="application/json")
    assert response.status_code == 400
    assert error_code(response) == "VALIDATION_ERROR"


def test_user_cannot_create(user_client: APIClient) -> None:
    response = user_client.post(LIST, {"name": "Acme"}, format="json")
    assert response.status_code == 403
    assert error_code(response) == "PERMISSION_DENIED"
    assert not Merchant.objects.exists()


def test_anonymous_cannot_read_or_write(api_client: APIClient) -> None:
    merchant = MerchantFactory()
    for response in (
        api_client.get(LIST),
        api_client.get(detail(merchant)),
        api_client.post(LIST, {"name": "X"}, format="json"),
        api_client.patch(detail(merchant), {"name": "X"}, format="json"),
    ):
        assert response.status_code == 401
        assert error_code(response) == "NOT_AUTHENTICATED"


# --- list -----------------------------------------------------------------------------------


def names(response) -> list[str]:
    assert response.status_code == 200, response.json()
    return [item["name"] for item in response.json()["results"]]


def test_list_is_ordered_by_name_and_users_see_active_only(user_client: APIClient, admin_client: APIClient) -> None:
    MerchantFactory(name="Zeta")
    MerchantFactory(name="alpha")
    InactiveMerchantFactory(name="Beta")
    response = user_client.get(LIST)
    assert names(response) == ["alpha", "Zeta"]
    assert response.json()["count"] == 2
    assert "Beta" in names(admin_client.get(LIST))


def test_list_orders_by_name_ignoring_case(user_client: APIClient) -> None:
    for name in ["cherry", "Apple", "banana", "Date"]:
        MerchantFactory(name=name)
    assert names(user_client.get(LIST)) == ["Apple", "banana", "cherry", "Date"]


def test_search_on_name_is_case_insensitive(user_client: APIClient) -> None:
    MerchantFactory(name="Shoe Palace")
    MerchantFactory(name="Big Shoes")
    MerchantFactory(name="Books")
    assert names(user_client.get(LIST, {"search": "SHOE"})) == ["Big Shoes", "Shoe Palace"]


def test_admin_filters_by_status(admin_client: APIClient) -> None:
    MerchantFactory(name="On")
    InactiveMerchantFactory(name="Off")
    assert names(admin_client.get(LIST, {"status": "inactive"})) == ["Off"]
    assert names(admin_client.get(LIST, {"status": "active"})) == ["On"]


def test_users_status_filter_is_ignored(user_client: APIClient) -> None:
    MerchantFactory(name="On")
    InactiveMerchantFactory(name="Off")
    assert names(user_client.get(LIST, {"status": "inactive"})) == ["On"]


def test_bad_status_filter_is_400(admin_client: APIClient) -> None:
    response = admin_client.get(LIST, {"status": "sleeping"})
    assert response.status_code == 400
    assert "status" in fields_of(response)


def test_list_is_paginated(user_client: APIClient) -> None:
    for index in range(5):
        MerchantFactory(name=f"M{index}")
    body = user_client.get(LIST, {"limit": 2, "offset": 2}).json()
    assert body["count"] == 5
    assert [item["name"] for item in body["results"]] == ["M2", "M3"]
    assert body["next"] and body["previous"]


@pytest.mark.parametrize("rows", [3, 30])
def test_list_query_count_does_not_grow_with_rows(user_client: APIClient, django_assert_num_queries, rows: int) -> None:
    MerchantFactory.create_batch(rows)
    # the bearer token's user, the count, the page
    with django_assert_num_queries(3):
        response = user_client.get(LIST, {"limit": 100})
    assert len(response.json()["results"]) == rows


# --- detail ---------------------------------------------------------------------------------


def test_detail_for_user_and_admin(user_client: APIClient, admin_client: APIClient) -> None:
    merchant = MerchantFactory(name="Visible")
    hidden = InactiveMerchantFactory()
    assert user_client.get(detail(merchant)).json()["name"] == "Visible"
    response = user_client.get(detail(hidden))
    assert response.status_code == 404
    assert error_code(response) == "NOT_FOUND"
    assert admin_client.get(detail(hidden)).json()["status"] == "inactive"


def test_unknown_merchant_is_404(admin_client: APIClient) -> None:
    response = admin_client.get(f"{LIST}/00000000-0000-0000-0000-000000000000")
    assert response.status_code == 404
    assert error_code(response) == "NOT_FOUND"


def test_trailing_slash_variants(admin_client: APIClient) -> None:
    merchant = MerchantFactory()
    assert admin_client.get(f"{LIST}/").status_code == 200
    assert admin_client.get(f"{detail(merchant)}/").status_code == 200
    assert admin_client.post(f"{LIST}/", {"name": "Slash"}, format="json").status_code == 201
    assert admin_client.patch(f"{detail(merchant)}/", {"confirmation_days": 5}, format="json").status_code == 200


# --- update ---------------------------------------------------------------------------------


def test_admin_updates_every_field(admin_client: APIClient) -> None:
    merchant = MerchantFactory()
    payload = {"name": "Renamed", "website": "https://new.example.com", "status": "inactive", "confirmation_days": 14}
    response = admin_client.patch(detail(merchant), payload, format="json")
    assert response.status_code == 200
    body = response.json()
    assert {key: body[key] for key in payload} == payload
    merchant.refresh_from_db()
    assert (merchant.name, merchant.status, merchant.confirmation_days) == ("Renamed", "inactive", 14)


def test_admin_clears_website(admin_client: APIClient) -> None:
    merchant = MerchantFactory()
    assert admin_client.patch(detail(merchant), {"website": None}, format="json").json()["website"] is None
    merchant.refresh_from_db()
    assert merchant.website == ""


def test_admin_reactivates_inactive_merchant(admin_client: APIClient) -> None:
    merchant = InactiveMerchantFactory()
    assert admin_client.patch(detail(merchant), {"status": "active"}, format="json").json()["status"] == "active"


def test_rename_into_taken_name_is_409(admin_client: APIClient) -> None:
    MerchantFactory(name="Taken")
    merchant = MerchantFactory(name="Free")
    response = admin_client.patch(detail(merchant), {"name": "TAKEN"}, format="json")
    assert response.status_code == 409
    assert error_code(response) == "MERCHANT_NAME_TAKEN"
    merchant.refresh_from_db()
    assert merchant.name == "Free"


def test_rename_changing_only_case_is_allowed(admin_client: APIClient) -> None:
    merchant = MerchantFactory(name="acme")
    assert admin_client.patch(detail(merchant), {"name": "ACME"}, format="json").json()["name"] == "ACME"


@pytest.mark.parametrize(
    ("payload", "field", "message"),
    [
        ({"name": ""}, "name", "This field may not be blank."),
        ({"status": "paused"}, "status", '"paused" is not a valid choice.'),
        ({"confirmation_days": 400}, "confirmation_days", "Ensure this value is less than or equal to 365."),
        ({"website": "ftp//x"}, "website", "Enter a valid URL."),
    ],
)
def test_update_validation(admin_client: APIClient, payload: dict, field: str, message: str) -> None:
    merchant = MerchantFactory()
    response = admin_client.patch(detail(merchant), payload, format="json")
    assert response.status_code == 400
    assert fields_of(response)[field] == [message]


def test_user_cannot_update(user_client: APIClient) -> None:
    merchant = MerchantFactory(name="Same")
    response = user_client.patch(detail(merchant), {"name": "Hacked"}, format="json")
    assert response.status_code == 403
    assert error_code(response) == "PERMISSION_DENIED"
    merchant.refresh_from_db()
    assert merchant.name == "Same"
    assert merchant.status == MerchantStatus.ACTIVE


def test_update_unknown_merchant_is_404(admin_client: APIClient) -> None:
    response = admin_client.patch(f"{LIST}/00000000-0000-0000-0000-000000000000", {"name": "X"}, format="json")
    assert response.status_code == 404


def test_put_and_delete_are_not_allowed(admin_client: APIClient) -> None:
    merchant = MerchantFactory()
    for response in (admin_client.put(detail(merchant), {}, format="json"), admin_client.delete(detail(merchant))):
        assert response.status_code == 405
        assert error_code(response) == "METHOD_NOT_ALLOWED"


def test_category_is_a_nullable_string_and_a_filter_for_everyone(user_client: APIClient) -> None:
    MerchantFactory(name="Gadget Hub", category="Electronics")
    MerchantFactory(name="Book Nook")
    body = {merchant["name"]: merchant["category"] for merchant in user_client.get(LIST).json()["results"]}
    assert body == {"Book Nook": None, "Gadget Hub": "Electronics"}
    assert names(user_client.get(LIST, {"category": "electronics"})) == ["Gadget Hub"]


def test_the_database_refuses_a_blank_category() -> None:
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        MerchantFactory(category="")
