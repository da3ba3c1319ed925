"""GET /purchases, GET /purchases/{id}, POST /purchases/{id}/confirm|reverse."""

from datetime import UTC, datetime, timedelta

import pytest

from accounts.tests.factories import UserFactory
from clicknback.testing import error_code
from offers.tests.factories import OfferFactory
from tests.contract import PURCHASE_FIELDS

pytestmark = pytest.mark.django_db
URL = "/api/v1/purchases"


def ids(response) -> list[str]:
    return [item["id"] for item in response.json()["results"]]


def test_user_sees_own_purchases_newest_first(user_client, ingest, other_user):
    first, second = ingest(), ingest()
    ingest(user_id=other_user.id)
    response = user_client.get(URL)
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"count", "next", "previous", "results"}
    assert ids(response) == [str(second.id), str(first.id)]
    assert set(body["results"][0]) == PURCHASE_FIELDS


def test_user_may_filter_by_status_only(user_client, ingest, other_user, admin_client):
    pending = ingest()
    confirmed = ingest()
    admin_client.post(f"{URL}/{confirmed.id}/confirm")
    assert ids(user_client.get(URL, {"status": "pending"})) == [str(pending.id)]
    # Admin-only filters are ignored for users: they never widen the view to other users.
    assert len(ids(user_client.get(URL, {"user_id": str(other_user.id)}))) == 2


def test_admin_sees_all_and_filters(admin_client, ingest, user, other_user, merchant):
    now = datetime.now(UTC)
    a = ingest(purchased_at=now - timedelta(days=10))
    b = ingest(user_id=other_user.id, purchased_at=now - timedelta(days=5))
    other_offer = OfferFactory()
    c = ingest(merchant_id=other_offer.merchant_id, amount="5000.00", purchased_at=now)
    admin_client.post(f"{URL}/{b.id}/reverse", {"reason": "x"}, format="json")
    assert ids(admin_client.get(URL)) == [str(c.id), str(b.id), str(a.id)]
    assert ids(admin_client.get(URL, {"user_id": str(other_user.id)})) == [str(b.id)]
    assert ids(admin_client.get(URL, {"merchant_id": str(other_offer.merchant_id)})) == [str(c.id)]
    assert ids(admin_client.get(URL, {"status": "reversed"})) == [str(b.id)]
    assert ids(admin_client.get(URL, {"flagged": "true"})) == [str(c.id)]
    day = (now - timedelta(days=5)).date().isoformat()
    assert ids(admin_client.get(URL, {"purchased_from": day, "purchased_to": day})) == [str(b.id)]
    assert ids(admin_client.get(URL, {"purchased_from": day})) == [str(c.id), str(b.id)]
    assert ids(admin_client.get(URL, {"purchased_to": day})) == [str(b.id), str(a.id)]


@pytest.mark.parametrize(
    "params", [{"status": "lost"}, {"purchased_from": "yesterday"}, {"user_id": "nope"}, {"flagged": "maybe"}]
)
def test_invalid_filters_are_400(admin_client, params):
    response = admin_client.get(URL, params)
    assert response.status_code == 400
    assert error_code(response) == "VALIDATION_ERROR"


def test_far_future_date_filter_is_a_400_not_a_500(admin_client):
    response = admin_client.get(URL, {"purchased_to": "9999-12-31"})
    assert response.status_code == 400
    assert error_code(response) == "VALIDATION_ERROR"


@pytest.mark.parametrize("count", [1, 7])
def test_list_query_count_is_fixed(user_client, admin_client, ingest, django_assert_num_queries, count):
    for _ in range(count):
        ingest()
    with django_assert_num_queries(3):  # auth user, count, page (merchant joined)
        assert user_client.get(URL).status_code == 200
    with django_assert_num_queries(3):
        assert admin_client.get(URL, {"status": "pending", "flagged": "false"}).status_code == 200


def test_list_limit_is_clamped(admin_client, ingest):
    ingest()
    response = admin_client.get(URL, {"limit": 1000})
    assert response.status_code == 200 and response.json()["count"] == 1


def test_detail_owner_and_admin(user_client, admin_client, other_client, ingest, django_assert_num_queries):
    purchase = ingest()
    with django_assert_num_queries(2):
        assert user_client.get(f"{URL}/{purchase.id}").json()["id"] == str(purchase.id)
    assert admin_client.get(f"{URL}/{purchase.id}/").status_code == 200
    hidden = other_client.get(f"{URL}/{purchase.id}")
    assert hidden.status_code == 404 and error_code(hidden) == "NOT_FOUND"
    assert user_client.get(f"{URL}/{UserFactory.build().id}").status_code == 404


def test_anonymous_is_401(api_client):
    assert api_client.get(URL).status_code == 401


def test_admin_confirm_and_reverse(admin_client, ingest, django_assert_num_queries):
    purchase = ingest()
    # auth, lock purchase, lock wallet, wallet update with its entry (one statement), purchase update,
    # audit, outbox event, and the savepoint pair the test's transaction turns BEGIN/COMMIT into; loyalty: one statement
    # (loyalty row, points account, lot, entry and points.earned, even on the user's first earning);
    # whether the user takes cashback as tokens (chain/tokens.py); last, the analytics day figures
    # (cashback confirmed, points earned: one statement)
    with django_assert_num_queries(9 + 1 + 1 + 1):
        response = admin_client.post(f"{URL}/{purchase.id}/confirm")
    assert response.status_code == 200
    assert (response.json()["status"], response.json()["cashback_status"]) == ("confirmed", "available")
    assert admin_client.post(f"{URL}/{purchase.id}/confirm/").json()["status"] == "confirmed"
    reversed_ = admin_client.post(f"{URL}/{purchase.id}/reverse", {"reason": "chargeback"}, format="json")
    assert reversed_.status_code == 200 and reversed_.json()["cashback_status"] == "reversed"
    refused = admin_client.post(f"{URL}/{purchase.id}/confirm")
    assert refused.status_code == 409 and error_code(refused) == "INVALID_STATE_TRANSITION"
    assert refused.json()["error"]["details"]["current_status"] == "reversed"


def test_reverse_without_body(admin_client, ingest):
    assert admin_client.post(f"{URL}/{ingest().id}/reverse").json()["status"] == "reversed"


def test_admin_confirm_clears_flag(admin_client, ingest):
    purchase = ingest("3000.00")
    body = admin_client.post(f"{URL}/{purchase.id}/confirm").json()
    assert (body["status"], body["flagged"], body["flag_reasons"]) == ("confirmed", False, ["high_amount"])


def test_users_may_not_confirm_or_reverse(user_client, ingest):
    purchase = ingest()
    for action in ("confirm", "reverse"):
        response = user_client.post(f"{URL}/{purchase.id}/{action}")
        assert response.status_code == 403 and error_code(response) == "PERMISSION_DENIED"


def test_confirm_unknown_purchase_is_404(admin_client):
    assert admin_client.post(f"{URL}/{UserFactory.build().id}/confirm").status_code == 404


def test_get_on_confirm_is_405(admin_client, ingest):
    response = admin_client.get(f"{URL}/{ingest().id}/confirm")
    assert response.status_code == 405 and error_code(response) == "METHOD_NOT_ALLOWED"
