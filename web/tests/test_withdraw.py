"""Withdraw: the API's payout validation and messages on the form, a double submit paying once."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest

from chain.tests.helpers import link_address
from events.models import OutboxEvent
from payouts.models import Payout
from wallets.models import Wallet
from wallets.tests.helpers import fund_wallet
from web.tests.conftest import field_errors

pytestmark = pytest.mark.django_db

IBAN = "DE89 3704 0044 0532 0130 00"


def form(amount: str = "25.00", method: str = "bank_transfer", destination: str = IBAN, key: str | None = None):
    return {"amount": amount, "method": method, "destination": destination, "idempotency_key": key or uuid.uuid4().hex}


def test_the_form_carries_a_fresh_idempotency_key(member):
    first = member.get("/withdraw/").context["form"]["idempotency_key"].value()
    second = member.get("/withdraw/").context["form"]["idempotency_key"].value()
    assert first != second and len(first) == 32


def test_withdraw_moves_available_to_paid_and_lists_the_payout(member, user):
    fund_wallet(user, Decimal("40.00"))
    response = member.post("/withdraw/", form(), follow=True)
    payout = Payout.objects.get()
    assert (payout.user_id, payout.amount, payout.destination) == (user.id, Decimal("25.00"), "DE89370400440532013000")
    wallet = Wallet.objects.get(user=user)
    assert (wallet.available, wallet.paid) == (Decimal("15.00"), Decimal("25.00"))
    html = response.content.decode()
    assert "Your withdrawal of €25.00 is requested." in html
    assert "DE89 **** **** 3000" in html or payout.masked_destination in html
    assert list(response.context["payouts"]) == [payout]


def test_a_double_submitted_form_pays_once(member, user):
    fund_wallet(user, Decimal("60.00"))
    data = form(key="same-page")
    member.post("/withdraw/", data)
    again = member.post("/withdraw/", data, follow=True)
    assert Payout.objects.count() == 1
    assert Wallet.objects.get(user=user).available == Decimal("35.00")
    assert "was already requested: it is paid once" in again.content.decode()


def test_the_same_key_with_other_values_is_refused(member, user):
    fund_wallet(user, Decimal("60.00"))
    member.post("/withdraw/", form(key="same-page"))
    response = member.post("/withdraw/", form(amount="30.00", key="same-page"))
    assert response.status_code == 400
    assert response.context["form"].non_field_errors() == ["This Idempotency-Key was used with another request."]
    assert Payout.objects.count() == 1


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        (form(amount=""), "amount", "This field is required."),
        (form(amount="abc"), "amount", 'Enter a valid amount, such as "12.50".'),
        (form(amount="5.00"), "amount", "The minimum payout is 10.00."),
        (form(amount="500.00"), "amount", "The available balance does not cover this amount."),
        (form(method="carrier_pigeon"), "method", '"carrier_pigeon" is not a valid choice.'),
        (form(destination="not an iban"), "destination", "Enter a valid IBAN."),
        (form(destination="DE89370400440532013001"), "destination", "This IBAN's check digits are wrong."),
        (form(method="paypal", destination="not-an-email"), "destination", "Enter a valid email address."),
    ],
)
def test_each_refusal_is_shown_beside_its_field_with_the_apis_words(member, user, data, field, message):
    fund_wallet(user, Decimal("40.00"))
    response = member.post("/withdraw/", data)
    assert response.status_code == 400
    assert field_errors(response, field) == [message]
    assert not Payout.objects.exists()
    assert Wallet.objects.get(user=user).available == Decimal("40.00")


def test_a_refused_form_leaves_its_key_free_for_the_corrected_one(member, user):
    fund_wallet(user, Decimal("40.00"))
    member.post("/withdraw/", form(amount="500.00", key="k1"))
    member.post("/withdraw/", form(amount="20.00", key="k1"))
    assert Payout.objects.get().amount == Decimal("20.00")


def test_a_tampered_key_is_refused(member, user):
    fund_wallet(user, Decimal("40.00"))
    response = member.post("/withdraw/", form(key="has spaces"))
    assert response.status_code == 400 and "Reload the page" in response.context["form"].non_field_errors()[0]
    assert not Payout.objects.exists()


def test_csrf_is_enforced(member, user):
    fund_wallet(user, Decimal("40.00"))
    assert member.post("/withdraw/", form(), csrf=False).status_code == 403
    assert not Payout.objects.exists()


def test_a_member_sees_only_their_own_payouts(member, other_member, user):
    fund_wallet(other_member.user, Decimal("40.00"))
    other_member.post("/withdraw/", form())
    assert list(member.get("/withdraw/").context["payouts"]) == []
    assert len(other_member.get("/withdraw/").context["payouts"]) == 1


@pytest.mark.django_db(transaction=True)
def test_two_submits_of_one_form_at_the_same_moment_pay_once(user):
    """Two tabs (or a double click that reached the server twice) race with one key."""
    from clicknback.testing import run_at_once
    from web.tests.conftest import SiteClient

    fund_wallet(user, Decimal("60.00"))
    tabs = [SiteClient(user) for _ in range(4)]
    for tab in tabs:
        tab.get("/withdraw/")  # each tab has its csrftoken cookie before the race
    data = form(key="one-page")
    responses = run_at_once([lambda tab=tab: tab.post("/withdraw/", data) for tab in tabs])
    assert [response.status_code for response in responses] == [302] * 4
    assert Payout.objects.count() == 1
    wallet = Wallet.objects.get(user=user)
    assert (wallet.available, wallet.paid) == (Decimal("35.00"), Decimal("25.00"))


def methods_offered(response) -> list[str]:
    return [value for value, _ in response.context["form"].fields["method"].widget.choices if value]


def test_tokens_are_offered_once_an_address_is_linked_and_go_to_it(member, user):
    assert methods_offered(member.get("/withdraw/")) == ["bank_transfer", "paypal"]
    address = link_address(user)
    page = member.get("/withdraw/")
    assert methods_offered(page) == ["bank_transfer", "paypal", "token"]
    assert address in page.content.decode()
    fund_wallet(user, Decimal("40.00"))
    member.post("/withdraw/", form(method="token", destination=""), follow=True)
    payout = Payout.objects.get()
    assert (payout.method, payout.amount, payout.status) == ("token", Decimal("25.00"), "requested")
    assert OutboxEvent.objects.filter(type="token.mint.requested", subject=str(payout.id)).exists()


def test_a_token_payout_without_an_address_is_refused_beside_the_method(member, user):
    fund_wallet(user, Decimal("40.00"))
    response = member.post("/withdraw/", form(method="token", destination=""))
    assert response.status_code == 400
    assert field_errors(response, "method") == ["Link a chain address before requesting tokens."]
    assert not Payout.objects.exists()


def test_a_bank_transfer_still_needs_its_destination(member, user):
    fund_wallet(user, Decimal("40.00"))
    response = member.post("/withdraw/", form(destination=""))
    assert field_errors(response, "destination") == ["This field is required."]
