"""Reading and administering purchases, fraud flags, the confirmation job."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.test import Client, override_settings

from tests.acceptance.conftest import API, WEBHOOK, code, fields

pytestmark = pytest.mark.django_db


def ids(response) -> list[str]:
    return [p["id"] for p in response.json()["results"]]


def at(days_ago: int) -> str:
    return (datetime.now(UTC) - timedelta(days=days_ago)).replace(hour=12, minute=0, second=0).isoformat()


# --- reading -------------------------------------------------------------------------------------


def test_users_see_their_own_purchases_admins_all_newest_first(
    report_purchase, user_client, other_client, admin_client, other_user
):
    first, second = report_purchase().json(), report_purchase().json()
    theirs = report_purchase(user_id=str(other_user.id)).json()
    assert ids(user_client.get(f"{API}/purchases")) == [second["id"], first["id"]]
    assert ids(other_client.get(f"{API}/purchases")) == [theirs["id"]]
    assert ids(admin_client.get(f"{API}/purchases")) == [theirs["id"], second["id"], first["id"]]


def test_a_purchase_is_visible_to_its_owner_and_admins_others_get_404(
    purchase, user_client, other_client, admin_client
):
    assert user_client.get(f"{API}/purchases/{purchase['id']}").json() == purchase
    assert admin_client.get(f"{API}/purchases/{purchase['id']}").json() == purchase
    response = other_client.get(f"{API}/purchases/{purchase['id']}")
    assert response.status_code == 404 and code(response) == "NOT_FOUND"


def test_users_may_filter_by_status(report_purchase, signed_post, user_client):
    kept, gone = report_purchase().json(), report_purchase().json()
    signed_post(WEBHOOK, {"event": "purchase.reversed", "external_id": gone["external_id"]})
    assert ids(user_client.get(f"{API}/purchases?status=pending")) == [kept["id"]]
    assert ids(user_client.get(f"{API}/purchases?status=reversed")) == [gone["id"]]


def test_admin_filters_user_merchant_status_flagged(report_purchase, admin_client, other_user, make_offer):
    mine = report_purchase().json()
    theirs = report_purchase(user_id=str(other_user.id)).json()
    elsewhere = report_purchase(merchant_id=make_offer()["merchant_id"]).json()
    flagged = report_purchase("1500.00").json()
    admin_client.post(f"{API}/purchases/{mine['id']}/confirm")
    assert ids(admin_client.get(f"{API}/purchases?user_id={other_user.id}")) == [theirs["id"]]
    assert ids(admin_client.get(f"{API}/purchases?merchant_id={elsewhere['merchant_id']}")) == [elsewhere["id"]]
    assert ids(admin_client.get(f"{API}/purchases?status=confirmed")) == [mine["id"]]
    assert ids(admin_client.get(f"{API}/purchases?flagged=true")) == [flagged["id"]]
    assert len(ids(admin_client.get(f"{API}/purchases?flagged=false"))) == 3


def test_admin_filters_purchased_from_and_to_are_inclusive_dates(report_purchase, admin_client):
    old, mid, new = (
        report_purchase(purchased_at=at(10)).json(),
        report_purchase(purchased_at=at(5)).json(),
        report_purchase().json(),
    )
    day = lambda n: str((datetime.now(UTC) - timedelta(days=n)).date())  # noqa: E731
    assert ids(admin_client.get(f"{API}/purchases?purchased_from={day(5)}&purchased_to={day(5)}")) == [mid["id"]]
    assert set(ids(admin_client.get(f"{API}/purchases?purchased_to={day(5)}"))) == {old["id"], mid["id"]}
    assert set(ids(admin_client.get(f"{API}/purchases?purchased_from={day(5)}"))) == {mid["id"], new["id"]}


def test_users_cannot_use_the_admin_filters(report_purchase, user_client, other_user, other_client):
    report_purchase()
    assert other_client.get(f"{API}/purchases?user_id={report_purchase().json()['user_id']}").json()["count"] == 0


def test_a_bad_filter_value_is_400(admin_client):
    response = admin_client.get(f"{API}/purchases?status=lost")
    assert response.status_code == 400 and "status" in fields(response)


# --- administering -------------------------------------------------------------------------------


def test_admin_confirm_has_the_semantics_of_the_confirmed_event(purchase, admin_client, user_client):
    response = admin_client.post(f"{API}/purchases/{purchase['id']}/confirm")
    assert response.status_code == 200 and response.json()["status"] == "confirmed"
    again = admin_client.post(f"{API}/purchases/{purchase['id']}/confirm")
    assert again.status_code == 200 and again.json() == response.json()
    assert user_client.get(f"{API}/wallet").json()["available_balance"] == "10.00"


def test_admin_reverse_takes_an_optional_reason_and_is_repeatable(purchase, admin_client, user_client):
    response = admin_client.post(f"{API}/purchases/{purchase['id']}/reverse", {"reason": "fraud"}, format="json")
    assert response.status_code == 200 and response.json()["status"] == "reversed"
    assert admin_client.post(f"{API}/purchases/{purchase['id']}/reverse").status_code == 200
    confirm = admin_client.post(f"{API}/purchases/{purchase['id']}/confirm")
    assert confirm.status_code == 409 and code(confirm) == "INVALID_STATE_TRANSITION"
    assert confirm.json()["error"]["details"]["current_status"] == "reversed"
    assert user_client.get(f"{API}/wallet").json()["pending_balance"] == "0.00"


def test_reversing_a_confirmed_purchase_takes_the_cashback_from_available_even_below_zero(
    purchase, admin_client, user_client
):
    admin_client.post(f"{API}/purchases/{purchase['id']}/confirm")
    user_client.post(
        f"{API}/payouts", {"amount": "10.00", "method": "paypal", "destination": "jane@example.com"}, format="json"
    )
    admin_client.post(f"{API}/purchases/{purchase['id']}/reverse")
    wallet = user_client.get(f"{API}/wallet").json()
    assert (wallet["available_balance"], wallet["paid_balance"]) == ("-10.00", "10.00")


def test_confirm_and_reverse_are_for_admins_only_and_404_for_unknown(purchase, user_client, admin_client):
    assert code(user_client.post(f"{API}/purchases/{purchase['id']}/confirm")) == "PERMISSION_DENIED"
    assert user_client.post(f"{API}/purchases/{purchase['id']}/reverse").status_code == 403
    unknown = "00000000-0000-0000-0000-000000000000"
    assert admin_client.post(f"{API}/purchases/{unknown}/confirm").status_code == 404
    assert admin_client.post(f"{API}/purchases/{unknown}/reverse").status_code == 404


# --- fraud flags ---------------------------------------------------------------------------------


def test_an_amount_at_or_above_fraud_review_amount_is_flagged(report_purchase):
    assert report_purchase("999.99").json()["flagged"] is False
    flagged = report_purchase("1000.00").json()
    assert flagged["flagged"] is True and flagged["flag_reasons"]


@pytest.mark.parametrize("threshold", [Decimal("500.00"), "500.00", 500])
def test_fraud_review_amount_is_a_setting(report_purchase, threshold):
    with override_settings(FRAUD_REVIEW_AMOUNT=threshold):
        assert report_purchase("499.99").json()["flagged"] is False
        assert report_purchase("500.00").json()["flagged"] is True


@override_settings(FRAUD_VELOCITY_LIMIT="2/h")
def test_more_purchases_than_the_velocity_limit_are_flagged(report_purchase):
    assert [report_purchase().json()["flagged"] for _ in range(3)] == [False, False, True]


def test_partner_confirm_of_a_flagged_purchase_answers_200_still_pending(report_purchase, signed_post):
    flagged = report_purchase("1500.00").json()
    response = signed_post(WEBHOOK, {"event": "purchase.confirmed", "external_id": flagged["external_id"]})
    assert response.status_code == 200
    assert response.json()["status"] == "pending" and response.json()["flagged"] is True


def test_admin_confirm_confirms_a_flagged_purchase_and_clears_the_flag(report_purchase, admin_client):
    flagged = report_purchase("1500.00").json()
    body = admin_client.post(f"{API}/purchases/{flagged['id']}/confirm").json()
    assert body["status"] == "confirmed" and body["flagged"] is False


@override_settings(MIN_PENDING_HOURS=0)
def test_the_confirmation_job_skips_flagged_purchases(report_purchase):
    flagged = report_purchase("1500.00", purchased_at=at(40)).json()
    due = report_purchase(purchased_at=at(40)).json()
    assert (flagged["flagged"], due["flagged"]) == (True, False)
    out = io.StringIO()
    call_command("confirm_due_purchases", stdout=out)
    assert "1" in out.getvalue()


def test_a_flagged_purchase_can_be_reversed(report_purchase, signed_post):
    flagged = report_purchase("1500.00").json()
    response = signed_post(WEBHOOK, {"event": "purchase.reversed", "external_id": flagged["external_id"]})
    assert response.json()["status"] == "reversed"


def _clear_flag_in_the_back_office(admin_user, purchase_id: str) -> None:
    client = Client()
    client.force_login(admin_user)
    changelist = "/admin/backoffice/flaggedpurchase/"
    assert client.get(changelist).status_code == 200
    response = client.post(changelist, {"action": "clear_flags", "_selected_action": [purchase_id]})
    assert response.status_code == 302


def test_clearing_the_flag_confirms_at_once_when_the_partner_had_settled(
    report_purchase, signed_post, admin_user, user_client
):
    flagged = report_purchase("1500.00").json()
    signed_post(WEBHOOK, {"event": "purchase.confirmed", "external_id": flagged["external_id"]})
    _clear_flag_in_the_back_office(admin_user, flagged["id"])
    body = user_client.get(f"{API}/purchases/{flagged['id']}").json()
    assert (body["status"], body["flagged"]) == ("confirmed", False)
    assert user_client.get(f"{API}/wallet").json()["available_balance"] == body["cashback_amount"]


def test_clearing_the_flag_without_settlement_leaves_it_pending_for_the_job(report_purchase, admin_user, user_client):
    flagged = report_purchase("1500.00").json()
    _clear_flag_in_the_back_office(admin_user, flagged["id"])
    body = user_client.get(f"{API}/purchases/{flagged['id']}").json()
    assert (body["status"], body["flagged"]) == ("pending", False)


# --- the confirmation job ------------------------------------------------------------------------


@override_settings(MIN_PENDING_HOURS=0)
def test_confirm_due_purchases_confirms_due_ones_and_prints_how_many(
    report_purchase, user_client, admin_client, make_merchant
):
    due = report_purchase(purchased_at=at(31)).json()
    recent = report_purchase(purchased_at=at(29)).json()
    out = io.StringIO()
    call_command("confirm_due_purchases", stdout=out)
    assert out.getvalue().strip() == "Confirmed 1 purchase."
    assert user_client.get(f"{API}/purchases/{due['id']}").json()["status"] == "confirmed"
    assert user_client.get(f"{API}/purchases/{recent['id']}").json()["status"] == "pending"
    out = io.StringIO()
    call_command("confirm_due_purchases", stdout=out)
    assert "0" in out.getvalue()


@override_settings(MIN_PENDING_HOURS=0)
def test_confirmation_days_is_the_merchants_settlement_delay(signed_post, user, make_offer, make_merchant, user_client):
    offer = make_offer(make_merchant(confirmation_days=0))
    created = signed_post(
        WEBHOOK,
        {
            "event": "purchase.created",
            "external_id": "instant",
            "user_id": str(user.id),
            "merchant_id": offer["merchant_id"],
            "amount": "10.00",
            "currency": "EUR",
        },
    ).json()
    call_command("confirm_due_purchases", stdout=io.StringIO())
    assert user_client.get(f"{API}/purchases/{created['id']}").json()["status"] == "confirmed"


def test_a_backdated_report_is_not_confirmed_before_min_pending_hours(report_purchase, user_client):
    late = report_purchase(purchased_at=at(40)).json()  # due by its date, but reported just now
    out = io.StringIO()
    call_command("confirm_due_purchases", stdout=out)
    assert out.getvalue().strip() == "Confirmed 0 purchases."
    assert user_client.get(f"{API}/purchases/{late['id']}").json()["status"] == "pending"


@override_settings(MIN_PENDING_HOURS=0)
def test_confirm_due_purchases_with_loop_keeps_going_every_interval(report_purchase, monkeypatch):
    from clicknback import jobs

    pauses = []

    def sleep(seconds: float) -> None:
        pauses.append(seconds)
        if len(pauses) == 2:
            raise KeyboardInterrupt

    monkeypatch.setattr(jobs.time, "sleep", sleep)
    report_purchase(purchased_at=at(31))
    out = io.StringIO()
    call_command("confirm_due_purchases", "--loop", "--interval", "7", stdout=out)
    assert out.getvalue().splitlines() == ["Confirmed 1 purchase.", "Confirmed 0 purchases."]
    assert pauses == [7.0, 7.0]
