"""Token payouts: requested through POST /payouts or automatically at confirmation for users who
prefer tokens; moved only by their mint (api-v1-rewards.md, "Tokens on a blockchain")."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.tests.factories import UserFactory
from chain.models import PayoutPreference
from chain.tests.helpers import link_address, token_payout
from clicknback.actors import Actor
from clicknback.errors import InvalidStateTransition
from clicknback.testing import error_code
from events.models import OutboxEvent
from payouts.models import Payout, PayoutMethod, PayoutStatus
from payouts.services import payout_complete, payout_fail, payout_request
from purchases.services import purchase_confirm, purchase_reverse, purchases_confirm_due
from tests.contract import PAYOUT_FIELDS
from wallets.models import Wallet
from wallets.tests.helpers import fund_wallet

pytestmark = pytest.mark.django_db

URL = "/api/v1/payouts"
JOB = Actor.job("test")


def test_a_token_payout_without_a_linked_address_is_422_and_moves_nothing(user_client, user):
    fund_wallet(user, Decimal("50.00"))

    response = user_client.post(URL, {"amount": "20.00", "method": "token"}, format="json")

    assert (response.status_code, error_code(response)) == (422, "CHAIN_ADDRESS_REQUIRED")
    assert not Payout.objects.exists()
    assert Wallet.objects.get(user=user).available == Decimal("50.00")


def test_a_token_payout_goes_to_the_linked_address_and_asks_for_its_mint_in_its_transaction(user_client, user):
    address = link_address(user)
    fund_wallet(user, Decimal("50.00"))

    response = user_client.post(URL, {"amount": "12.34", "method": "token"}, format="json")

    assert response.status_code == 201
    body = response.json()
    assert set(body) == PAYOUT_FIELDS
    assert (body["method"], body["destination"], body["status"]) == ("token", address, "requested")
    assert (body["tx_hash"], body["block_number"]) == (None, None)
    requested = OutboxEvent.objects.get(type="token.mint.requested")
    assert requested.subject == body["id"]
    assert requested.data == {"payout_id": body["id"], "user_id": str(user.id), "address": address, "amount": 1234}
    assert Wallet.objects.get(user=user).available == Decimal("37.66")


def test_a_token_payout_takes_no_destination(user_client, user):
    link_address(user)
    fund_wallet(user, Decimal("50.00"))
    response = user_client.post(
        URL, {"amount": "20.00", "method": "token", "destination": "0x" + "ab" * 20}, format="json"
    )
    assert (response.status_code, error_code(response)) == (400, "VALIDATION_ERROR")
    assert "destination" in response.json()["error"]["details"]["fields"]


def test_the_other_methods_still_need_a_destination(user_client, user):
    fund_wallet(user, Decimal("50.00"))
    response = user_client.post(URL, {"amount": "20.00", "method": "paypal"}, format="json")
    assert (response.status_code, error_code(response)) == (400, "VALIDATION_ERROR")


def test_a_token_payout_below_the_minimum_or_above_the_balance_is_refused_like_any(user_client, user):
    link_address(user)
    fund_wallet(user, Decimal("15.00"))
    below = user_client.post(URL, {"amount": "9.99", "method": "token"}, format="json")
    above = user_client.post(URL, {"amount": "15.01", "method": "token"}, format="json")
    assert (error_code(below), error_code(above)) == ("BELOW_MINIMUM_PAYOUT", "INSUFFICIENT_BALANCE")


def test_nobody_completes_or_fails_a_token_payout_by_hand(admin_client, user):
    link_address(user)
    payout, _ = token_payout(user)

    completed = admin_client.post(f"{URL}/{payout.id}/complete")
    failed = admin_client.post(f"{URL}/{payout.id}/fail", {"reason": "no"}, format="json")

    assert (completed.status_code, error_code(completed)) == (409, "INVALID_STATE_TRANSITION")
    assert (failed.status_code, error_code(failed)) == (409, "INVALID_STATE_TRANSITION")
    with pytest.raises(InvalidStateTransition):
        payout_fail(payout_id=payout.id, reason="no", actor=JOB)
    payout.refresh_from_db()
    assert payout.status == PayoutStatus.REQUESTED


def test_the_database_refuses_a_completed_token_payout_without_its_mint_and_chain_fields_elsewhere(user, other_user):
    link_address(user)
    payout, _ = token_payout(user)
    with pytest.raises(IntegrityError), transaction.atomic():
        Payout.objects.filter(pk=payout.pk).update(status=PayoutStatus.COMPLETED, processed_at=timezone.now())
    fund_wallet(other_user, Decimal("20.00"))
    paypal = Payout.objects.create(
        user=other_user, amount=Decimal("10.00"), currency="EUR", method=PayoutMethod.PAYPAL, destination="a@b.co"
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        Payout.objects.filter(pk=paypal.pk).update(tx_hash="0x" + "1" * 64)
    with pytest.raises(IntegrityError), transaction.atomic():
        Payout.objects.filter(pk=payout.pk).update(destination="not-an-address")


def test_a_money_payout_is_still_completed_by_hand(user):
    fund_wallet(user, Decimal("20.00"))
    paypal = payout_request(user=user, amount=Decimal("20.00"), method="paypal", destination="me@example.com")
    payout, changed = payout_complete(payout_id=paypal.id, actor=Actor.for_user(UserFactory(is_staff=True)))
    assert changed and payout.status == PayoutStatus.COMPLETED


# --- automatic token payouts at confirmation ---------------------------------------------------


def token_payouts(user) -> list[Payout]:
    return list(Payout.objects.filter(user=user, method=PayoutMethod.TOKEN).order_by("created_at"))


def test_a_token_preferring_user_gets_their_cashback_as_a_token_payout_at_confirmation(ingest, user):
    address = link_address(user, preference=PayoutPreference.TOKEN)
    purchase = ingest("200.00")  # 10 % cashback: 20.00

    confirmed, changed = purchase_confirm(purchase_id=purchase.id, actor=JOB)

    assert changed
    [payout] = token_payouts(user)
    assert (payout.amount, payout.destination, payout.status) == (confirmed.cashback_amount, address, "requested")
    assert payout.events.get().actor_label == JOB.label
    assert Wallet.objects.get(user=user).available == Decimal("0.00")
    types = list(OutboxEvent.objects.order_by("occurred_at").values_list("type", flat=True))
    assert types[-3:] == ["cashback.approved", "payout.requested", "token.mint.requested"]


def test_the_automatic_payout_never_mints_a_debt(ingest, user):
    link_address(user, preference=PayoutPreference.TOKEN)
    owed = ingest("400.00")  # 40.00
    purchase_confirm(purchase_id=owed.id, actor=JOB)  # paid out as tokens at once
    purchase_reverse(purchase_id=owed.id, actor=JOB, reason="chargeback")  # available: -40.00
    later = ingest("500.00")  # 50.00, of which 40.00 pays the debt

    purchase_confirm(purchase_id=later.id, actor=JOB)

    assert [p.amount for p in token_payouts(user)] == [Decimal("40.00"), Decimal("10.00")]
    assert Wallet.objects.get(user=user).available == Decimal("0.00")


def test_a_balance_still_in_debt_or_an_amount_below_the_minimum_stays_available(ingest, user):
    link_address(user, preference=PayoutPreference.TOKEN)
    fund_wallet(user, Decimal("-100.00"))
    purchase_confirm(purchase_id=ingest("300.00").id, actor=JOB)  # 30.00 against -100.00
    assert token_payouts(user) == []
    fund_wallet(user, Decimal("70.00"))  # back to zero
    purchase_confirm(purchase_id=ingest("99.00").id, actor=JOB)  # 9.90 < MIN_PAYOUT_AMOUNT
    assert token_payouts(user) == []
    assert Wallet.objects.get(user=user).available == Decimal("9.90")


def test_manual_preference_and_no_address_pay_nothing_automatically(ingest, user, other_user):
    link_address(user)  # manual
    purchase_confirm(purchase_id=ingest("200.00").id, actor=JOB)
    purchase_confirm(purchase_id=ingest("200.00", user_id=other_user.id).id, actor=JOB)
    assert not Payout.objects.exists()


@pytest.mark.usefixtures("no_review_delay")
def test_the_confirmation_job_requests_one_token_payout_per_cashback_of_token_preferring_users(ingest, merchant):
    merchant.confirmation_days = 0
    merchant.save()
    prefers, manual = UserFactory(), UserFactory()
    link_address(prefers, preference=PayoutPreference.TOKEN)
    for owner in (prefers, prefers, manual):
        ingest("150.00", user_id=owner.id)

    assert purchases_confirm_due(actor=JOB, batch_size=100) == 3

    assert [p.amount for p in token_payouts(prefers)] == [Decimal("15.00"), Decimal("15.00")]
    assert token_payouts(manual) == []
    assert OutboxEvent.objects.filter(type="token.mint.requested").count() == 2


def test_the_user_is_notified_of_a_mint_and_of_a_failed_one(user, mailoutbox):
    from django.db import transaction as db_transaction

    from chain import mint
    from chain.tests.helpers import minted
    from events.consumers import handle_event
    from notifications.models import Notification

    link_address(user)
    minted(token_payout(user)[0], block_number=42)
    failed, _ = token_payout(user)
    with db_transaction.atomic():
        mint._fail(Payout.objects.select_for_update().get(pk=failed.pk), "the mint reverted on chain")

    for event in OutboxEvent.objects.filter(type__startswith="token.").exclude(type="token.mint.requested"):
        handle_event("notifications", event.envelope())

    notes = {note.kind: note for note in Notification.objects.filter(user=user)}
    assert notes["token.minted"].title == "Your tokens are on chain" and "block 42" in notes["token.minted"].body
    assert "the mint reverted on chain" in notes["token.mint.failed"].body


def test_the_state_machine_takes_a_chain_outcome_for_token_payouts_alone_and_completes_one_only_with_its_mint(user):
    from django.db import transaction as db_transaction

    from payouts.state_machine import ChainOutcome, payout_transition

    fund_wallet(user, Decimal("20.00"))
    paypal = payout_request(user=user, amount=Decimal("10.00"), method="paypal", destination="me@example.com")
    link_address(user)
    token, _ = token_payout(user, "10.00")
    with pytest.raises(ValueError, match="Only a token payout"), db_transaction.atomic():
        payout_transition(payout=paypal, to_status=PayoutStatus.COMPLETED, actor=JOB, chain=ChainOutcome("0x1", 1))
    with pytest.raises(ValueError, match="only with its mint"), db_transaction.atomic():
        payout_transition(payout=token, to_status=PayoutStatus.COMPLETED, actor=JOB, chain=ChainOutcome())
    token.refresh_from_db()
    paypal.refresh_from_db()
    assert (token.status, paypal.status) == (PayoutStatus.REQUESTED, PayoutStatus.REQUESTED)
