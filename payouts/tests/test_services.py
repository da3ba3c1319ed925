import io
import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from django.conf import settings
from django.core.management import call_command
from django.utils import timezone

from clicknback.actors import Actor
from clicknback.errors import (
    BelowMinimumPayout,
    IdempotencyKeyReused,
    InsufficientBalance,
    InvalidStateTransition,
    NotFound,
)
from payouts.models import IdempotencyKey, Payout, PayoutMethod, PayoutStatus
from payouts.services import (
    idempotency_keys_purge,
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
    result = request(user, "20.00")
    payout = Payout.objects.get(pk=result.payout_id)
    assert (payout.status, payout.amount, payout.currency) == (PayoutStatus.REQUESTED, Decimal("20.00"), "EUR")
    wallet = Wallet.objects.get(user=user)
    assert (wallet.available, wallet.paid) == (Decimal("30.00"), Decimal("20.00"))
    assert payout_entries(payout.id) == [EntryType.PAYOUT_REQUESTED]
    assert result.status_code == 201 and not result.replayed
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


# --- idempotency ---------------------------------------------------------------------------


def test_same_key_same_request_replays_and_moves_no_money(user):
    fund_wallet(user, Decimal("50.00"))
    first = request(user, "20.00", idempotency_key="k1")
    second = request(user, "20.00", idempotency_key="k1")
    assert second.replayed and not first.replayed
    assert (second.status_code, second.body, second.payout_id) == (first.status_code, first.body, first.payout_id)
    assert Payout.objects.count() == 1
    assert available(user) == Decimal("30.00")


def test_same_key_other_request_is_refused(user):
    fund_wallet(user, Decimal("50.00"))
    request(user, "20.00", idempotency_key="k1")
    with pytest.raises(IdempotencyKeyReused):
        request(user, "21.00", idempotency_key="k1")
    assert Payout.objects.count() == 1


def test_keys_are_per_user(user, other_user):
    fund_wallet(user, Decimal("50.00"))
    fund_wallet(other_user, Decimal("50.00"))
    request(user, "20.00", idempotency_key="shared")
    request(other_user, "20.00", idempotency_key="shared")
    assert Payout.objects.count() == 2


def test_a_refused_request_does_not_consume_its_key(user):
    fund_wallet(user, Decimal("15.00"))
    with pytest.raises(InsufficientBalance):
        request(user, "20.00", idempotency_key="k1")
    assert not IdempotencyKey.objects.exists()
    fund_wallet(user, Decimal("5.00"))
    retried = request(user, "20.00", idempotency_key="k1")
    assert not retried.replayed and Payout.objects.filter(pk=retried.payout_id).exists()


def test_expired_key_is_replaced(user):
    fund_wallet(user, Decimal("50.00"))
    first = request(user, "20.00", idempotency_key="k1")
    IdempotencyKey.objects.update(created_at=timezone.now() - settings.IDEMPOTENCY_KEY_TTL - timedelta(seconds=1))
    second = request(user, "25.00", idempotency_key="k1")
    assert not second.replayed and second.payout_id != first.payout_id
    assert IdempotencyKey.objects.get().payout_id == second.payout_id
    assert available(user) == Decimal("5.00")


def test_purge_deletes_only_expired_keys(user):
    fund_wallet(user, Decimal("50.00"))
    request(user, "10.00", idempotency_key="old")
    request(user, "10.00", idempotency_key="fresh")
    IdempotencyKey.objects.filter(key="old").update(created_at=timezone.now() - timedelta(hours=25))
    assert idempotency_keys_purge() == 1
    assert list(IdempotencyKey.objects.values_list("key", flat=True)) == ["fresh"]
    assert Payout.objects.count() == 2  # purging a key never touches its payout


def test_purge_command(user):
    fund_wallet(user, Decimal("50.00"))
    request(user, "10.00", idempotency_key="old")
    IdempotencyKey.objects.update(created_at=timezone.now() - timedelta(days=2))
    out = io.StringIO()
    call_command("purge_idempotency_keys", stdout=out)
    assert out.getvalue().startswith("1 expired") and not IdempotencyKey.objects.exists()
