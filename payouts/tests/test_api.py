import json
import uuid
from decimal import Decimal

import pytest

from clicknback.actors import Actor
from clicknback.testing import bearer_client, error_code
from payouts.models import Payout, PayoutStatus
from payouts.services import payout_complete, payout_fail
from payouts.tests.conftest import IBAN, IBAN_MASKED
from payouts.tests.helpers import available, give_debt, payout_entries
from tests.contract import PAYOUT_FIELDS
from wallets.models import EntryType
from wallets.tests.helpers import fund_wallet

pytestmark = pytest.mark.django_db

URL = "/api/v1/payouts"
BODY = {"amount": "20.00", "method": "bank_transfer", "destination": "de89 3704 0044 0532 0130 00"}


def post(client, body=None, key=None, path=URL):
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key is not None else {}
    return client.post(path, body if body is not None else BODY, format="json", **headers)


def test_request_payout(user, user_client):
    fund_wallet(user, Decimal("50.00"))
    response = post(user_client)
    assert response.status_code == 201, response.content
    body = response.json()
    assert set(body) == PAYOUT_FIELDS
    assert body["amount"] == "20.00" and body["currency"] == "EUR" and body["method"] == "bank_transfer"
    assert body["destination"] == IBAN_MASKED
    assert (body["status"], body["failure_reason"], body["processed_at"]) == ("requested", None, None)
    assert Payout.objects.get(pk=body["id"]).destination == IBAN  # stored normalised, in full
    assert available(user) == Decimal("30.00")


def test_paypal_destination_is_lowercased_and_masked(user, user_client):
    fund_wallet(user, Decimal("50.00"))
    response = post(user_client, {"amount": 15, "method": "paypal", "destination": "John.Doe@Example.com"})
    assert response.status_code == 201, response.content
    assert response.json()["destination"] == "j***@example.com"
    assert Payout.objects.get().destination == "john.doe@example.com"


def test_trailing_slash_works(user, user_client):
    fund_wallet(user, Decimal("50.00"))
    assert post(user_client, path=URL + "/").status_code == 201
    assert user_client.get(URL + "/").status_code == 200


@pytest.mark.parametrize(
    "body, field",
    [
        ({**BODY, "destination": "DE89370400440532013001"}, "destination"),
        ({**BODY, "destination": "DE8937040044053201300"}, "destination"),
        ({**BODY, "destination": "john@example.com"}, "destination"),
        ({**BODY, "method": "paypal", "destination": "not-an-email"}, "destination"),
        ({**BODY, "method": "paypal", "destination": IBAN}, "destination"),
        ({**BODY, "method": "cash"}, "method"),
        ({**BODY, "amount": "20.001"}, "amount"),
        ({**BODY, "amount": "0"}, "amount"),
        ({**BODY, "amount": "-20.00"}, "amount"),
        ({**BODY, "amount": "NaN"}, "amount"),
        ({**BODY, "amount": True}, "amount"),
        ({**BODY, "destination": "x" * 300}, "destination"),
        ({"method": "paypal"}, "amount"),
    ],
)
def test_invalid_input_is_400_on_the_field(user, user_client, body, field):
    fund_wallet(user, Decimal("50.00"))
    response = post(user_client, body)
    assert response.status_code == 400
    assert error_code(response) == "VALIDATION_ERROR"
    assert field in response.json()["error"]["details"]["fields"]
    assert not Payout.objects.exists()


def test_invalid_json_is_400(user_client):
    response = user_client.post(URL, data="{nope", content_type="application/json")
    assert response.status_code == 400 and error_code(response) == "VALIDATION_ERROR"


def test_below_minimum_is_422(user, user_client):
    fund_wallet(user, Decimal("50.00"))
    response = post(user_client, {**BODY, "amount": "9.99"})
    assert response.status_code == 422 and error_code(response) == "BELOW_MINIMUM_PAYOUT"


def test_insufficient_balance_is_409_with_available_balance(user, user_client):
    fund_wallet(user, Decimal("12.50"))
    response = post(user_client, {**BODY, "amount": "12.51"})
    assert response.status_code == 409 and error_code(response) == "INSUFFICIENT_BALANCE"
    assert response.json()["error"]["details"] == {"available_balance": "12.50"}


def test_negative_balance_cannot_withdraw(user, user_client):
    give_debt(user, earned=Decimal("20.00"), reversed_=Decimal("25.00"))
    response = post(user_client, {**BODY, "amount": "10.00"})
    assert response.status_code == 409 and error_code(response) == "INSUFFICIENT_BALANCE"
    assert response.json()["error"]["details"] == {"available_balance": "-5.00"}


def test_admins_cannot_request_payouts(admin_user, admin_client):
    fund_wallet(admin_user, Decimal("50.00"))
    response = post(admin_client)
    assert response.status_code == 403 and error_code(response) == "PERMISSION_DENIED"


def test_anonymous_is_401(api_client):
    assert api_client.get(URL).status_code == 401
    assert error_code(post(api_client)) == "NOT_AUTHENTICATED"


# --- Idempotency-Key -------------------------------------------------------------------------


def test_replay_returns_the_first_response_byte_for_byte(user, user_client):
    fund_wallet(user, Decimal("50.00"))
    first = post(user_client, key="abc-1")
    # The same JSON with keys in another order and other spacing is the same body.
    reordered = json.dumps(dict(reversed(list(BODY.items()))), indent=2)
    second = user_client.post(URL, data=reordered, content_type="application/json", HTTP_IDEMPOTENCY_KEY="abc-1")
    assert (first.status_code, second.status_code) == (201, 201)
    assert second.content == first.content
    assert second["Idempotent-Replayed"] == "true" and not first.has_header("Idempotent-Replayed")
    assert Payout.objects.count() == 1 and available(user) == Decimal("30.00")


def test_replay_after_completion_still_returns_the_first_response(user, user_client, admin_user):
    fund_wallet(user, Decimal("50.00"))
    first = post(user_client, key="abc-1")
    payout_complete(payout_id=first.json()["id"], actor=Actor.for_user(admin_user))
    assert post(user_client, key="abc-1").content == first.content


def test_key_reused_with_another_body_is_409(user, user_client):
    fund_wallet(user, Decimal("50.00"))
    assert post(user_client, key="abc-1").status_code == 201
    response = post(user_client, {**BODY, "amount": "21.00"}, key="abc-1")
    assert response.status_code == 409 and error_code(response) == "IDEMPOTENCY_KEY_REUSED"
    assert Payout.objects.count() == 1


@pytest.mark.parametrize(
    "retry",
    [
        {**BODY, "amount": 20},  # a JSON number for the same amount
        {**BODY, "amount": "20"},
        {**BODY, "destination": "DE89370400440532013000"},  # the same IBAN, normalised
    ],
)
def test_the_same_request_written_otherwise_replays(user, user_client, retry):
    """The fingerprint is the parsed, normalised request, not the bytes sent."""
    fund_wallet(user, Decimal("50.00"))
    first = post(user_client, key="abc-1")
    second = post(user_client, retry, key="abc-1")
    assert (second.status_code, second.content) == (201, first.content)
    assert Payout.objects.count() == 1 and available(user) == Decimal("30.00")


def test_the_trailing_slash_is_the_same_route(user, user_client):
    fund_wallet(user, Decimal("50.00"))
    first = post(user_client, key="abc-1")
    assert post(user_client, key="abc-1", path=f"{URL}/").content == first.content
    assert Payout.objects.count() == 1


def test_a_refused_request_leaves_the_key_free_for_a_corrected_retry(user, user_client):
    fund_wallet(user, Decimal("50.00"))
    assert post(user_client, {**BODY, "amount": "60.00"}, key="abc-1").status_code == 409
    assert post(user_client, {**BODY, "destination": "DE00"}, key="abc-1").status_code == 400
    assert post(user_client, key="abc-1").status_code == 201


def test_same_key_for_two_users_are_two_payouts(user, user_client, other_user, other_client):
    fund_wallet(user, Decimal("50.00"))
    fund_wallet(other_user, Decimal("50.00"))
    assert post(user_client, key="k").json()["id"] != post(other_client, key="k").json()["id"]


@pytest.mark.parametrize("key", ["", "a" * 256, "has space", "ünï"])
def test_malformed_idempotency_key_is_400(user, user_client, key):
    fund_wallet(user, Decimal("50.00"))
    response = post(user_client, key=key)
    assert response.status_code == 400 and error_code(response) == "VALIDATION_ERROR"
    assert "Idempotency-Key" in response.json()["error"]["details"]["fields"]


# --- reading -----------------------------------------------------------------------------------


def test_users_list_their_own_payouts_newest_first(user, user_client, other_user, make_payout):
    fund_wallet(user, Decimal("100.00"))
    fund_wallet(other_user, Decimal("100.00"))
    mine = [make_payout(user, "10.00"), make_payout(user, "11.00")]
    make_payout(other_user)
    body = user_client.get(URL).json()
    assert body["count"] == 2 and body["next"] is None
    assert [p["id"] for p in body["results"]] == [str(mine[1].id), str(mine[0].id)]
    assert all(p["destination"] == IBAN_MASKED for p in body["results"])


def test_users_cannot_filter_by_another_user(user, user_client, other_user, make_payout):
    fund_wallet(other_user, Decimal("100.00"))
    make_payout(other_user)
    assert user_client.get(URL, {"user_id": str(other_user.id)}).json()["count"] == 0


def test_admin_lists_all_and_filters(user, other_user, admin_client, admin_user, make_payout):
    fund_wallet(user, Decimal("100.00"))
    fund_wallet(other_user, Decimal("100.00"))
    done = make_payout(user)
    make_payout(user)
    make_payout(other_user)
    payout_complete(payout_id=done.id, actor=Actor.for_user(admin_user))
    assert admin_client.get(URL).json()["count"] == 3
    assert admin_client.get(URL, {"user_id": str(user.id)}).json()["count"] == 2
    by_status = admin_client.get(URL, {"status": "completed"}).json()
    assert [p["id"] for p in by_status["results"]] == [str(done.id)]
    assert admin_client.get(URL, {"status": "requested", "user_id": str(other_user.id)}).json()["count"] == 1


@pytest.mark.parametrize("params", [{"status": "paid"}, {"user_id": "nope"}])
def test_bad_filters_are_400(admin_client, params):
    response = admin_client.get(URL, params)
    assert response.status_code == 400 and error_code(response) == "VALIDATION_ERROR"


def test_list_is_paginated(user, user_client, make_payout):
    fund_wallet(user, Decimal("100.00"))
    for _ in range(3):
        make_payout(user, "10.00")
    body = user_client.get(URL, {"limit": 2}).json()
    assert body["count"] == 3 and len(body["results"]) == 2 and body["next"]


@pytest.mark.parametrize("size", [1, 25])
def test_list_query_count_is_fixed(user, admin_user, make_payout, django_assert_num_queries, size):
    fund_wallet(user, Decimal("1000.00"))
    for _ in range(size):
        make_payout(user, "10.00")
    user_client, admin_client = bearer_client(user), bearer_client(admin_user)
    # authentication (1) + count (1) + page (1)
    with django_assert_num_queries(3):
        assert len(user_client.get(URL, {"limit": 100}).json()["results"]) == size
    with django_assert_num_queries(3):
        assert len(admin_client.get(URL, {"limit": 100, "status": "requested"}).json()["results"]) == size


def test_detail_for_owner_and_admin(user, user_client, admin_client, make_payout):
    fund_wallet(user, Decimal("50.00"))
    payout = make_payout(user)
    for client in (user_client, admin_client):
        response = client.get(f"{URL}/{payout.id}")
        assert response.status_code == 200 and response.json()["destination"] == IBAN_MASKED


def test_other_users_payouts_are_404(user, other_client, make_payout):
    fund_wallet(user, Decimal("50.00"))
    payout = make_payout(user)
    response = other_client.get(f"{URL}/{payout.id}")
    assert response.status_code == 404 and error_code(response) == "NOT_FOUND"
    assert other_client.get(f"{URL}/{uuid.uuid4()}").status_code == 404


# --- processing ----------------------------------------------------------------------------


def test_admin_completes_a_payout_and_repeating_is_200(user, admin_client, make_payout):
    fund_wallet(user, Decimal("50.00"))
    payout = make_payout(user)
    first = admin_client.post(f"{URL}/{payout.id}/complete")
    assert first.status_code == 200 and first.json()["status"] == "completed" and first.json()["processed_at"]
    second = admin_client.post(f"{URL}/{payout.id}/complete/")
    assert second.status_code == 200 and second.json() == first.json()


def test_admin_fails_a_payout_once(user, admin_client, make_payout):
    fund_wallet(user, Decimal("50.00"))
    payout = make_payout(user)
    first = admin_client.post(f"{URL}/{payout.id}/fail", {"reason": "IBAN closed"}, format="json")
    assert first.status_code == 200, first.content
    assert (first.json()["status"], first.json()["failure_reason"]) == ("failed", "IBAN closed")
    second = admin_client.post(f"{URL}/{payout.id}/fail", {"reason": "Again"}, format="json")
    assert second.status_code == 200 and second.json() == first.json()
    assert available(user) == Decimal("50.00")
    assert payout_entries(payout.id) == [EntryType.PAYOUT_REQUESTED, EntryType.PAYOUT_FAILED]


def test_fail_needs_a_reason(user, admin_client, make_payout):
    fund_wallet(user, Decimal("50.00"))
    payout = make_payout(user)
    for body in ({}, {"reason": "  "}):
        response = admin_client.post(f"{URL}/{payout.id}/fail", body, format="json")
        assert response.status_code == 400 and "reason" in response.json()["error"]["details"]["fields"]
    assert Payout.objects.get().status == PayoutStatus.REQUESTED


def test_impossible_transitions_are_409(user, admin_user, admin_client, make_payout):
    fund_wallet(user, Decimal("50.00"))
    completed, failed = make_payout(user), make_payout(user)
    actor = Actor.for_user(admin_user)
    payout_complete(payout_id=completed.id, actor=actor)
    payout_fail(payout_id=failed.id, reason="Bounced", actor=actor)
    response = admin_client.post(f"{URL}/{completed.id}/fail", {"reason": "x"}, format="json")
    assert response.status_code == 409 and error_code(response) == "INVALID_STATE_TRANSITION"
    assert response.json()["error"]["details"] == {"current_status": "completed"}
    response = admin_client.post(f"{URL}/{failed.id}/complete")
    assert response.status_code == 409 and response.json()["error"]["details"] == {"current_status": "failed"}


def test_users_cannot_process_payouts(user, user_client, make_payout):
    fund_wallet(user, Decimal("50.00"))
    payout = make_payout(user)
    assert error_code(user_client.post(f"{URL}/{payout.id}/complete")) == "PERMISSION_DENIED"
    response = user_client.post(f"{URL}/{payout.id}/fail", {"reason": "mine"}, format="json")
    assert response.status_code == 403 and error_code(response) == "PERMISSION_DENIED"
    assert Payout.objects.get().status == PayoutStatus.REQUESTED


def test_processing_an_unknown_payout_is_404(admin_client):
    assert admin_client.post(f"{URL}/{uuid.uuid4()}/complete").status_code == 404
    assert admin_client.post(f"{URL}/{uuid.uuid4()}/fail", {"reason": "x"}, format="json").status_code == 404


def test_method_not_allowed(user_client, admin_client):
    assert error_code(user_client.delete(URL)) == "METHOD_NOT_ALLOWED"
    assert admin_client.get(f"{URL}/{uuid.uuid4()}/complete").status_code == 405
