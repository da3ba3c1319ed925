"""Conventions: base path, trailing slashes, JSON, ids, money, request ids, lists, errors."""

from __future__ import annotations

import io
import re
import uuid

import pytest
from django.test import Client

from tests.acceptance.conftest import API, code, fields

pytestmark = pytest.mark.django_db

SIGNED_IN_GETS = [
    "/me",
    "/merchants",
    "/offers",
    "/offers/active",
    "/purchases",
    "/payouts",
    "/wallet",
    "/wallet/transactions",
]
ADMIN_GETS = ["/partners", "/merchants", "/offers", "/purchases", "/payouts"]


@pytest.mark.parametrize("path", SIGNED_IN_GETS)
def test_every_path_works_with_and_without_a_trailing_slash_without_redirect(user_client, path):
    for variant in (f"{API}{path}", f"{API}{path}/"):
        assert user_client.get(variant).status_code == 200, variant


@pytest.mark.parametrize("path", ADMIN_GETS)
def test_admin_paths_work_with_and_without_a_trailing_slash(admin_client, path):
    for variant in (f"{API}{path}", f"{API}{path}/"):
        assert admin_client.get(variant).status_code == 200, variant


def test_detail_and_action_paths_work_with_a_trailing_slash(admin_client, purchase, offer):
    assert admin_client.get(f"{API}/purchases/{purchase['id']}/").status_code == 200
    assert admin_client.get(f"{API}/offers/{offer['id']}/").status_code == 200
    assert admin_client.get(f"{API}/merchants/{offer['merchant_id']}/").status_code == 200
    assert admin_client.post(f"{API}/purchases/{purchase['id']}/confirm/").status_code == 200
    assert admin_client.post(f"{API}/purchases/{purchase['id']}/reverse/", {}, format="json").status_code == 200


def test_public_and_operations_paths_work_with_a_trailing_slash(api_client):
    assert (
        api_client.post(f"{API}/auth/login/", {"email": "x@example.com", "password": "p"}, format="json").status_code
        == 401
    )
    for path in ("/health/live/", "/health/ready/", "/api/schema/", "/api/docs/"):
        assert api_client.get(path).status_code == 200, path


def test_a_body_that_is_not_valid_json_is_400_validation_error(admin_client):
    response = admin_client.post(f"{API}/merchants", data="{not json", content_type="application/json")
    assert response.status_code == 400
    assert "non_field_errors" in fields(response)


def test_ids_are_uuid_strings_and_timestamps_iso_utc(user_client, user):
    body = user_client.get(f"{API}/me").json()
    assert str(uuid.UUID(body["id"])) == body["id"]
    assert body["created_at"].endswith("Z")


@pytest.mark.parametrize(
    "bad",
    ["12.345", 0, "0.00", "-5.00", -5, "NaN", "Infinity", "-Infinity", "1000000000000.00", "abc", True, None, [], {}],
)
def test_money_input_rejects_bad_amounts_with_400(user_client, bad):
    response = user_client.post(
        f"{API}/payouts", {"amount": bad, "method": "paypal", "destination": "jane@example.com"}, format="json"
    )
    assert response.status_code == 400, (bad, response.json())
    assert "amount" in fields(response)


def test_money_input_rejects_nan_and_infinity_as_bare_json_numbers(user_client):
    for raw in ("NaN", "Infinity", "-Infinity", "1e400"):
        body = f'{{"amount": {raw}, "method": "paypal", "destination": "jane@example.com"}}'
        response = user_client.post(f"{API}/payouts", data=body, content_type="application/json")
        assert response.status_code == 400, raw
        assert code(response) == "VALIDATION_ERROR"


@pytest.mark.parametrize("good", ["12.50", "12.5", "12", 12, 12.5, "999999999999.99"])
def test_money_input_accepts_a_string_or_number_with_at_most_two_decimals(make_offer, good):
    offer = make_offer(cashback_type="fixed", cashback_value=good)
    assert offer["cashback_value"] in {"12.50", "12.00", "999999999999.99"}


def test_money_is_a_string_with_exactly_two_decimals(make_offer):
    offer = make_offer(cashback_type="fixed", cashback_value=5, min_purchase_amount="0")
    assert offer["cashback_value"] == "5.00"
    assert offer["min_purchase_amount"] == "0.00"


def test_every_response_carries_a_request_id_generated_or_echoed(api_client, user_client):
    assert api_client.get("/health/live")["X-Request-ID"]
    assert user_client.get(f"{API}/me", HTTP_X_REQUEST_ID="abc-123")["X-Request-ID"] == "abc-123"


def test_errors_and_unknown_paths_carry_a_request_id_too(api_client):
    for response in (
        api_client.get(f"{API}/me"),
        api_client.get(f"{API}/no-such-thing"),
        api_client.get("/no-such-thing"),
        api_client.post(f"{API}/auth/login", data="{", content_type="application/json"),
    ):
        assert response["X-Request-ID"], response


def test_unknown_path_is_404_not_found_in_the_envelope(api_client):
    # Paths outside /api/ are the member site's, with its own HTML 404 page (web/tests/test_errors.py).
    for path in (f"{API}/no-such-thing", "/api/nothing-here", f"{API}/merchants/not-a-uuid"):
        response = api_client.get(path)
        assert response.status_code == 404
        assert code(response) == "NOT_FOUND"


def test_unknown_path_is_404_without_the_rest_framework_client_too():
    response = Client().get(f"{API}/no-such-thing/")
    assert response.status_code == 404
    assert code(response) == "NOT_FOUND"
    assert response["X-Request-ID"]


def test_wrong_method_is_405_method_not_allowed(user_client, api_client):
    for response in (user_client.delete(f"{API}/me"), api_client.get(f"{API}/auth/login")):
        assert response.status_code == 405
        assert code(response) == "METHOD_NOT_ALLOWED"


def test_validation_error_details_map_each_bad_field_to_messages(admin_client):
    response = admin_client.post(f"{API}/merchants", {"confirmation_days": 999}, format="json")
    assert response.status_code == 400
    bad = fields(response)
    assert set(bad) == {"name", "confirmation_days"}
    assert all(isinstance(messages, list) and messages for messages in bad.values())


def test_a_body_that_is_not_an_object_is_a_non_field_error(admin_client):
    response = admin_client.post(f"{API}/merchants", data="[1, 2]", content_type="application/json")
    assert response.status_code == 400
    assert "non_field_errors" in fields(response)


def test_403_permission_denied_when_the_role_may_not(user_client):
    response = user_client.post(f"{API}/merchants", {"name": "X"}, format="json")
    assert response.status_code == 403
    assert code(response) == "PERMISSION_DENIED"


def test_lists_have_count_next_previous_results(admin_client, make_merchant):
    for _ in range(3):
        make_merchant()
    body = admin_client.get(f"{API}/merchants?limit=2").json()
    assert set(body) == {"count", "next", "previous", "results"}
    assert body["count"] == 3 and len(body["results"]) == 2
    assert body["next"] and body["previous"] is None
    page2 = admin_client.get(f"{API}/merchants?limit=2&offset=2").json()
    assert len(page2["results"]) == 1 and page2["next"] is None and page2["previous"]


def test_lists_default_to_20_and_clamp_a_larger_limit_to_100(admin_client, make_merchant):
    for _ in range(101):
        make_merchant()
    assert len(admin_client.get(f"{API}/merchants").json()["results"]) == 20
    assert len(admin_client.get(f"{API}/merchants?limit=500").json()["results"]) == 100


def test_lists_are_newest_first(admin_client, make_offer):
    first, second = make_offer(), make_offer()
    ids = [offer["id"] for offer in admin_client.get(f"{API}/offers").json()["results"]]
    assert ids == [second["id"], first["id"]]


def test_an_expired_access_token_is_401_token_invalid(user):
    from datetime import timedelta

    from rest_framework.test import APIClient

    from accounts.tokens import ClickNBackRefreshToken

    access = ClickNBackRefreshToken.for_user(user).access_token
    access.set_exp(lifetime=-timedelta(seconds=1))
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
    response = client.get(f"{API}/me")
    assert response.status_code == 401 and code(response) == "TOKEN_INVALID"


def test_a_crash_is_500_internal_error_with_the_request_id_and_no_stack_trace(user_client, monkeypatch):
    def crash(**kwargs):
        raise RuntimeError("secret internals")

    monkeypatch.setattr("merchants.views.merchant_list", crash)
    response = user_client.get(f"{API}/merchants", HTTP_X_REQUEST_ID="req-500")
    assert response.status_code == 500 and code(response) == "INTERNAL_ERROR"
    assert response.json()["error"]["details"]["request_id"] == "req-500" == response["X-Request-ID"]
    assert b"secret internals" not in response.content and b"Traceback" not in response.content


def test_a_lost_database_is_503_service_unavailable(user_client, monkeypatch):
    from django.db import OperationalError

    def lost(**kwargs):
        raise OperationalError("connection refused")

    monkeypatch.setattr("merchants.views.merchant_list", lost)
    response = user_client.get(f"{API}/merchants")
    assert response.status_code == 503 and code(response) == "SERVICE_UNAVAILABLE"


def test_the_test_client_speaks_json_by_default(admin_client):
    response = admin_client.post(f"{API}/merchants", {"name": "Plain"})
    assert response.status_code == 201


# --- HTTP edges (issue 12, finding 10) ------------------------------------------------------------

_METHODS = ("get", "post", "put", "patch", "delete")


def _unsupported_methods() -> list[tuple[str, str]]:
    """Every documented API path with each method the schema does not list for it: the schema is
    the contract's list of operations."""
    from drf_spectacular.generators import SchemaGenerator

    paths = SchemaGenerator().get_schema(request=None, public=True)["paths"]
    return [
        (path, method.upper())
        for path, operations in sorted(paths.items())
        for method in _METHODS
        if method not in operations
    ]


@pytest.mark.parametrize(("path", "method"), _unsupported_methods())
def test_an_unsupported_method_is_405_before_authentication(api_client, path, method):
    response = api_client.generic(method, re.sub(r"\{[^}]+\}", str(uuid.uuid4()), path))
    assert response.status_code == 405, (method, path, response.content)
    assert code(response) == "METHOD_NOT_ALLOWED"
    assert method not in response["Allow"].split(", ")


def test_the_contracts_examples_of_a_wrong_method_are_405_without_credentials(api_client):
    for response in (api_client.patch(f"{API}/wallet"), api_client.get(f"{API}/webhooks/purchases")):
        assert response.status_code == 405 and code(response) == "METHOD_NOT_ALLOWED"


@pytest.mark.parametrize(
    "bad",
    [
        "\uff11\uff10.\uff10\uff10",  # full-width "10.00", the reported probe
        "\uff11\uff10",
        "\u0661\u0660.\u0660\u0660",  # Arabic-Indic "10.00"
        "10.0\uff10",
        "1_000.00",
        "\u300010.00",  # after an ideographic space
    ],
)
def test_money_input_accepts_ascii_digits_only(user_client, bad):
    response = user_client.post(
        f"{API}/payouts", {"amount": bad, "method": "paypal", "destination": "jane@example.com"}, format="json"
    )
    assert response.status_code == 400, (bad, response.json())
    assert "amount" in fields(response)


def test_money_as_a_bare_json_number_accepts_ascii_digits_only(user_client):
    body = '{"amount": \uff11\uff10.\uff10\uff10, "method": "paypal", "destination": "jane@example.com"}'
    response = user_client.post(f"{API}/payouts", data=body.encode(), content_type="application/json")
    assert response.status_code == 400 and code(response) == "VALIDATION_ERROR"


def _chunked_post(client: Client, path: str, body: bytes, **extra):
    """A POST as a WSGI server hands over a `Transfer-Encoding: chunked` request: no Content-Length,
    the de-chunked body in `wsgi.input`, which ends where the body ends."""
    return client.generic(
        "POST", path, body, content_type="application/json", CONTENT_LENGTH="", HTTP_TRANSFER_ENCODING="chunked",
        **{"wsgi.input": io.BytesIO(body), **extra},
    )  # fmt: skip


def test_a_chunked_body_is_read_in_full_when_the_server_delimits_it(admin_user):
    from clicknback.testing import bearer_client

    client = bearer_client(admin_user)
    response = _chunked_post(client, f"{API}/merchants", b'{"name": "Chunked Shop"}', **{"wsgi.input_terminated": True})
    assert response.status_code == 201, response.json()
    assert response.json()["name"] == "Chunked Shop"


def test_a_chunked_body_larger_than_the_limit_is_413(admin_user, settings):
    from clicknback.testing import bearer_client

    body = b'{"name": "' + b"x" * settings.DATA_UPLOAD_MAX_MEMORY_SIZE + b'"}'
    response = _chunked_post(bearer_client(admin_user), f"{API}/merchants", body, **{"wsgi.input_terminated": True})
    assert response.status_code == 413 and code(response) == "PAYLOAD_TOO_LARGE"


def test_a_chunked_body_the_server_cannot_delimit_is_refused_with_411(admin_user):
    from clicknback.testing import bearer_client

    response = _chunked_post(bearer_client(admin_user), f"{API}/merchants", b'{"name": "Chunked Shop"}')
    assert response.status_code == 411 and code(response) == "LENGTH_REQUIRED"


SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
}


def test_the_413_answer_carries_the_security_headers(api_client, settings):
    ordinary = api_client.get("/health/live")
    body = b"x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)
    too_large = api_client.post(f"{API}/auth/register", data=body, content_type="application/json")
    assert too_large.status_code == 413 and code(too_large) == "PAYLOAD_TOO_LARGE"
    for header, value in SECURITY_HEADERS.items():
        assert ordinary[header] == value, header
        assert too_large[header] == value, header


def test_unknown_api_paths_answer_the_envelope_with_debug_on_too(api_client, settings):
    settings.DEBUG = True
    for path in (f"{API}/no-such-thing", f"{API}/merchants/not-a-uuid", "/api/v2/merchants", "/api/", "/api"):
        response = api_client.get(path)
        assert response.status_code == 404, path
        assert code(response) == "NOT_FOUND"


@pytest.mark.parametrize("method", _METHODS)
def test_unknown_api_paths_are_404_for_every_method_even_to_a_client_that_checks_csrf(method):
    client = Client(enforce_csrf_checks=True)  # a browser's cookies would make CSRF checks apply
    response = client.generic(method.upper(), f"{API}/merchants/not-a-uuid", b"{}", content_type="application/json")
    assert response.status_code == 404
    assert code(response) == "NOT_FOUND"
