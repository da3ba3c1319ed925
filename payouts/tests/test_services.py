import uuid
from decimal import Decimal

import pytest
from django.conf import settings

from clicknback.actors import Actor
from clicknback.errors import (
    BelowMinimumPayout,
    InsufficientBalance,
    InvalidStateTransition,
    NotFound,
)
from payouts.models import Payout, PayoutMethod, PayoutStatus
from payouts.services import (
    payout_complete,
    payout_fail,
    payout_request,
)
from payouts.tests.conftest import IBAN
from payouts.tests.helpers import available, give_debt, payout_entries
from wallets.models import EntryType, Wallet
from wallets.selectors import ledger_discrepancies
from wallets.tests.helpers import fund_wallet

pytestmark = pytest.mark.django_db


def request(user, amount="20.00", **kwargs):
    kwargs.setdefault("method", PayoutMethod.BANK_TRANSFER)
    kwargs.setdefault("destination", IBAN)
    return payout_request(user=user, amount=Decimal(amount), **kwargs)


def test_request_moves_available_to_paid(user):
    fund_wallet(user, Decimal("50.00"))
    payout = request(user, "20.00")
    assert (payout.status, payout.amount, payout.currency) == (PayoutStatus.REQUESTED, Decimal("20.00"), "EUR")
    wallet = Wallet.objects.get(user=user)
    assert (wallet.available, wallet.paid) == (Decimal("30.00"), Decimal("20.00"))
    assert payout_entries(payout.id) == [EntryType.PAYOUT_REQUESTED]
    assert ledger_discrepancies() == []


def test_request_of_the_whole_balance_is_allowed(user):
    fund_wallet(user, Decimal("20.00"))
    request(user, "20.00")
    assert available(user) == Decimal("0.00")


def test_below_minimum_is_refused_and_moves_nothing(user):
    fund_wallet(user, Decimal("50.00"))
    with pytest.raises(BelowMinimumPayout) as caught:
        request(user, "9.99")
    assert caught.value.details == {"min_payout_amount": format(settings.MIN_PAYOUT_AMOUNT, ".2f")}
    assert not Payout.objects.exists()
    assert available(user) == Decimal("50.00")


def test_more_than_available_is_refused_with_the_balance(user):
    fund_wallet(user, Decimal("12.50"))
    with pytest.raises(InsufficientBalance) as caught:
        request(user, "12.51")
    assert caught.value.details == {"available_balance": "12.50"}
    assert not Payout.objects.exists()


def test_user_without_wallet_has_nothing_to_withdraw(user):
    with pytest.raises(InsufficientBalance) as caught:
        request(user, "10.00")
    assert caught.value.details == {"available_balance": "0.00"}
    assert not Wallet.objects.filter(user=user).exists()  # the refused request rolled back entirely


def test_negative_available_balance_cannot_withdraw_anything(user):
    give_debt(user, earned=Decimal("30.00"), reversed_=Decimal("45.00"))
    with pytest.raises(InsufficientBalance) as caught:
        request(user, "10.00")
    assert caught.value.details == {"available_balance": "-15.00"}
    assert not Payout.objects.exists()


def test_complete_records_who_and_when_and_repeats_as_noop(user, admin_user, make_payout):
    fund_wallet(user, Decimal("50.00"))
    payout = make_payout(user)
    actor = Actor.for_user(admin_user)
    done, changed = payout_complete(payout_id=payout.id, actor=actor)
    assert changed and done.status == PayoutStatus.COMPLETED
    payout.refresh_from_db()
    assert payout.processed_by == admin_user and payout.processed_at is not None
    again, changed_again = payout_complete(payout_id=payout.id, actor=actor)
    assert not changed_again and again.processed_at == payout.processed_at
    wallet = Wallet.objects.get(user=user)
    assert (wallet.available, wallet.paid) == (Decimal("30.00"), Decimal("20.00"))
    assert payout_entries(payout.id) == [EntryType.PAYOUT_REQUESTED]


def test_fail_refunds_exactly_once(user, admin_user, make_payout):
    fund_wallet(user, Decimal("50.00"))
    payout = make_payout(user)
    actor = Actor.for_user(admin_user)
    failed, changed = payout_fail(payout_id=payout.id, reason="Account closed", actor=actor)
    assert changed and failed.status == PayoutStatus.FAILED and failed.failure_reason == "Account closed"
    _, changed_again = payout_fail(payout_id=payout.id, reason="Again", actor=actor)
    assert not changed_again
    payout.refresh_from_db()
    assert payout.failure_reason == "Account closed"
    wallet = Wallet.objects.get(user=user)
    assert (wallet.available, wallet.paid) == (Decimal("50.00"), Decimal("0.00"))
    assert payout_entries(payout.id) == [EntryType.PAYOUT_REQUESTED, EntryType.PAYOUT_FAILED]
    assert ledger_discrepancies() == []


def test_impossible_transitions_are_refused_with_current_status(user, admin_user, make_payout):
    fund_wallet(user, Decimal("50.00"))
    actor = Actor.for_user(admin_user)
    completed, failed = make_payout(user), make_payout(user)
    payout_complete(payout_id=completed.id, actor=actor)
    payout_fail(payout_id=failed.id, reason="Bounced", actor=actor)
    with pytest.raises(InvalidStateTransition) as caught:
        payout_fail(payout_id=completed.id, reason="Too late", actor=actor)
    assert caught.value.details == {"current_status": "completed"}
    with pytest.raises(InvalidStateTransition) as caught:
        payout_complete(payout_id=failed.id, actor=actor)
    assert caught.value.details == {"current_status": "failed"}
    assert available(user) == Decimal("30.00")


def test_unknown_payout_is_not_found(admin_user):
    with pytest.raises(NotFound):
        payout_complete(payout_id=uuid.uuid4(), actor=Actor.for_user(admin_user))


def test_a_job_actor_leaves_processed_by_empty(user, make_payout):
    fund_wallet(user, Decimal("50.00"))
    payout, _ = payout_complete(payout_id=make_payout(user).id, actor=Actor.job("bank_reconciliation"))
    payout.refresh_from_db()
    assert payout.processed_by is None and payout.processed_at is not None


def test_events_carry_only_the_masked_destination(
    user, admin_user, make_payout, caplog, django_capture_on_commit_callbacks
):
    fund_wallet(user, Decimal("50.00"))
    with caplog.at_level("INFO", logger="clicknback.events"), django_capture_on_commit_callbacks(execute=True):
        payout = make_payout(user)
        payout_fail(payout_id=payout.id, reason="Bounced", actor=Actor.for_user(admin_user))
    assert [record.getMessage() for record in caplog.records] == ["payout.requested", "payout.failed"]
    for record in caplog.records:
        logged = str(vars(record))
        assert "DE89 **** **** 3000" in logged and IBAN not in logged
    assert "Bounced" in str(vars(caplog.records[1]))
