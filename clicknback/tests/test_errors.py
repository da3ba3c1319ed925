"""The error envelope for every kind of failure, from every layer."""

import io
import json

import pytest
from django.conf import settings
from rest_framework.test import APIClient, APIRequestFactory

from clicknback.errors import PayloadTooLarge
from clicknback.parsers import StrictJSONParser
from clicknback.testing import error_code
from clicknback.tests.boom_urls import SECRET_DETAIL, EchoView

pytestmark = pytest.mark.django_db

LOGIN = "/api/v1/auth/login"


@pytest.fixture
def boom(settings) -> APIClient:
    settings.ROOT_URLCONF = "clicknback.tests.boom_urls"
    client = APIClient()
    client.raise_request_exception = False
    return client


def _envelope_code(response) -> str:
    """`error_code` for a response made without the test client (no `.json()`)."""
    response.json = lambda: json.loads(response.content)
    return error_code(response)


def _fields(response) -> dict:
    return response.json()["error"]["details"]["fields"]


# Other paths are the member site's, answered with its HTML 404 page (web/tests/test_errors.py).
@pytest.mark.parametrize("path", ["/api/nope", "/api/v1/nope", "/api/v1/partners/x/y", "/health/nothing"])
def test_unknown_path_is_404_envelope(api_client, path):
    response = api_client.get(path)
    assert response.status_code == 404
    assert error_code(response) == "NOT_FOUND"
    assert response["Content-Type"] == "application/json"


def test_wrong_method_is_405_envelope(api_client):
    response = api_client.put(LOGIN, {}, format="json")
    assert response.status_code == 405
    assert error_code(response) == "METHOD_NOT_ALLOWED"


def test_body_over_64_kib_is_413_by_content_length(api_client):
    body = b'{"email": "' + b"a" * (64 * 1024) + b'"}'
    response = api_client.post(LOGIN, data=body, content_type="application/json")
    assert response.status_code == 413
    assert error_code(response) == "PAYLOAD_TOO_LARGE"
    assert response["X-Request-ID"]


def test_body_of_exactly_64_kib_is_read(api_client):
    body = b'{"email": "' + b"a" * (64 * 1024 - 13) + b'"}'
    assert len(body) == settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    assert error_code(api_client.post(LOGIN, data=body, content_type="application/json")) == "VALIDATION_ERROR"


@pytest.mark.parametrize("length", ["abc", "-1"])
def test_invalid_content_length_is_400(api_client, length):
    response = api_client.generic("POST", LOGIN, b"{}", content_type="application/json", CONTENT_LENGTH=length)
    assert response.status_code == 400
    assert error_code(response) == "VALIDATION_ERROR"
    assert response.json()["error"]["message"] == "Invalid Content-Length header."


def test_parser_refuses_a_body_longer_than_the_limit_without_a_length():
    """A body whose length was not announced (chunked) is still cut at the limit by the parser."""
    stream = io.BytesIO(b"[" + b" " * settings.DATA_UPLOAD_MAX_MEMORY_SIZE + b"]")
    with pytest.raises(PayloadTooLarge):
        StrictJSONParser().parse(stream)


def test_oversized_body_reaching_a_view_is_413_envelope():
    """Past the middleware (e.g. a mis-announced length), the parser's refusal is still the envelope."""
    body = b'{"x": "' + b"a" * settings.DATA_UPLOAD_MAX_MEMORY_SIZE + b'"}'
    request = APIRequestFactory().post("/echo", data=body, content_type="application/json")
    response = EchoView.as_view()(request)
    response.render()
    assert response.status_code == 413
    assert _envelope_code(response) == "PAYLOAD_TOO_LARGE"


@pytest.mark.parametrize(
    "body",
    [
        b"{bad json",
        b'{"email": "a@b.c",}',
        b'{"amount": NaN}',
        b'{"amount": Infinity}',
        b'{"amount": -Infinity}',
        b"\xff\xfe not utf-8",
        b"[" * 30000 + b"]" * 30000,  # nesting deep enough to exhaust the recursion limit
        b'{"n": ' + b"9" * 5000 + b"}",  # more digits than int() accepts
    ],
    ids=["syntax", "trailing-comma", "nan", "infinity", "minus-infinity", "not-utf8", "deep-nesting", "huge-int"],
)
def test_malformed_json_is_400_validation_error(api_client, body):
    response = api_client.post(LOGIN, data=body, content_type="application/json")
    assert response.status_code == 400
    assert error_code(response) == "VALIDATION_ERROR"
    assert "non_field_errors" in _fields(response)


def test_json_numbers_with_fractions_become_decimals():
    from decimal import Decimal

    assert StrictJSONParser().parse(io.BytesIO(b'{"a": 12.50, "b": 3}')) == {"a": Decimal("12.50"), "b": 3}


@pytest.mark.parametrize(
    ("content_type", "body"),
    [("text/plain", b"hello"), ("application/x-www-form-urlencoded", b"email=a%40b.c"), ("application/xml", b"<a/>")],
)
def test_non_json_content_type_is_400(api_client, content_type, body):
    response = api_client.post(LOGIN, data=body, content_type=content_type)
    assert response.status_code == 400
    assert error_code(response) == "VALIDATION_ERROR"


def test_multipart_body_is_400(api_client):
    response = api_client.post(LOGIN, {"email": "a@b.c", "password": "x"}, format="multipart")
    assert response.status_code == 400
    assert error_code(response) == "VALIDATION_ERROR"


def test_validation_errors_name_each_field(api_client):
    response = api_client.post(LOGIN, {"email": "nope"}, format="json")
    assert response.status_code == 400
    assert set(_fields(response)) == {"email", "password"}


def test_unexpected_exception_in_an_api_view_is_500_without_internals(boom):
    response = boom.get("/crash", HTTP_X_REQUEST_ID="trace-500")
    assert response.status_code == 500
    assert error_code(response) == "INTERNAL_ERROR"
    assert response.json()["error"]["details"] == {"request_id": "trace-500"}
    assert SECRET_DETAIL not in response.content.decode()
    assert "Traceback" not in response.content.decode()


def test_unexpected_exception_in_a_plain_django_view_is_500_envelope(boom):
    response = boom.get("/api/plain-crash")
    assert response.status_code == 500
    assert error_code(response) == "INTERNAL_ERROR"
    assert response.json()["error"]["details"]["request_id"] == response["X-Request-ID"]
    assert SECRET_DETAIL not in response.content.decode()


def test_django_server_error_handler_renders_the_envelope(rf):
    from clicknback.views import server_error

    response = server_error(rf.get("/"))
    assert response.status_code == 500
    assert _envelope_code(response) == "INTERNAL_ERROR"
    assert "request_id" in response.json()["error"]["details"]


def test_database_operational_error_in_a_view_is_503(boom):
    response = boom.get("/db-down")
    assert response.status_code == 503
    assert error_code(response) == "SERVICE_UNAVAILABLE"
    assert response["Retry-After"]
    assert "Connection refused" not in response.content.decode()


def test_dict_body_reaches_the_view(boom):
    assert boom.post("/echo", {"a": [1, {"b": None}]}, format="json").json() == {"received": {"a": [1, {"b": None}]}}


def test_an_unacceptable_accept_header_still_gets_the_envelope(api_client):
    response = api_client.get("/health/live", HTTP_ACCEPT="text/html")
    assert response.status_code == 406
    assert error_code(response) == "VALIDATION_ERROR"
    assert "non_field_errors" in _fields(response)
