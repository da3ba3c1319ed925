"""Ingestion, the state machine and the wallet moves it makes, against PostgreSQL."""

import uuid
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction
from rest_framework.exceptions import ValidationError

from accounts.tests.factories import UserFactory
from clicknback.actors import Actor
from clicknback.errors import (
    InvalidStateTransition,
    MerchantNotEligible,
    OfferNotAvailable,
    UnsupportedCurrency,
    UserNotEligible,
)
from merchants.models import MerchantStatus
from offers.models import OfferStatus
from offers.tests.factories import OfferFactory
from purchases.models import CashbackStatus, Purchase, PurchaseEvent, PurchaseStatus
from purchases.services import purchase_clear_flag, purchase_confirm, purchase_reverse
from purchases.state_machine import ALLOWED_TRANSITIONS
from wallets.models import EntryType, Wallet, WalletEntry
from wallets.selectors import ledger_discrepancies
from wallets.services import wallet_lock, wallet_post

D = Decimal
pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_actor(admin_user):
    return Actor.for_user(admin_user)


def balances(user) -> tuple[Decimal, Decimal, Decimal]:
    wallet = Wallet.objects.get(user=user)
    return wallet.pending, wallet.available, wallet.paid


def entry_types(purchase) -> list[str]:
    return list(WalletEntry.objects.filter(purchase_id=purchase.id).order_by("sequence").values_list("type", flat=True))


# --- ingestion ------------------------------------------------------------------------------


def test_ingest_stores_pending_purchase_and_credits_pending(ingest, user, merchant, offer, partner):
    purchase = ingest("150.00")
    purchase.refresh_from_db()
    assert (purchase.status, purchase.cashback_status) == (PurchaseStatus.PENDING, CashbackStatus.PENDING)
    assert purchase.cashback_amount == D("15.00")
    assert (purchase.merchant_id, purchase.offer_id, purchase.partner_id) == (merchant.id, offer.id, partner.id)
    assert balances(user) == (D("15.00"), D("0.00"), D("0.00"))
    assert entry_types(purchase) == [EntryType.CASHBACK_PENDING]
    event = PurchaseEvent.objects.get(purchase=purchase)
    assert (event.action, event.from_status, event.to_status, event.actor_kind) == ("created", "", "pending", "partner")


def test_zero_cashback_purchase_is_stored_without_a_ledger_entry(ingest, user, merchant):
    OfferFactory(merchant=merchant, status=OfferStatus.INACTIVE)  # noise
    offer = merchant.offers.get(status=OfferStatus.ACTIVE)
    offer.min_purchase_amount = D("50.00")
    offer.save()
    purchase = ingest("20.00")
    assert purchase.cashback_amount == D("0.00")
    assert Purchase.objects.filter(pk=purchase.pk).exists()
    assert entry_types(purchase) == []
    purchase_confirm(purchase_id=purchase.id, actor=Actor.job("test"))
    assert Purchase.objects.get(pk=purchase.pk).status == PurchaseStatus.CONFIRMED
    assert balances(user) == (D("0.00"), D("0.00"), D("0.00"))
    assert ledger_discrepancies() == []


@pytest.mark.parametrize("case", ["unknown", "inactive"])
def test_user_not_eligible(ingest, case):
    user = UserFactory(is_active=False)
    user_id = user.id if case == "inactive" else UserFactory.build().id
    with pytest.raises(UserNotEligible):
        ingest(user_id=user_id)
    assert Purchase.objects.count() == 0 and Wallet.objects.count() == 0


@pytest.mark.parametrize("case", ["unknown", "inactive"])
def test_merchant_not_eligible(ingest, merchant, case):
    if case == "inactive":
        merchant.status = MerchantStatus.INACTIVE
        merchant.save()
        merchant_id = merchant.id
    else:
        merchant_id = UserFactory.build().id  # any unknown uuid
    with pytest.raises(MerchantNotEligible):
        ingest(merchant_id=merchant_id)
    assert Purchase.objects.count() == 0


def test_no_offer_on_the_purchase_date(ingest, offer):
    offer.status = OfferStatus.INACTIVE
    offer.save()
    with pytest.raises(OfferNotAvailable):
        ingest()
    assert Purchase.objects.count() == 0


def test_offer_is_chosen_by_the_utc_date_of_purchased_at(ingest, merchant, offer):
    offer.starts_on = offer.ends_on = datetime(2025, 3, 10).date()
    offer.save()
    # 01:30 on the 11th in UTC+02:00 is still the 10th in UTC.
    purchase = ingest(purchased_at=datetime(2025, 3, 11, 1, 30, tzinfo=timezone(timedelta(hours=2))))
    assert purchase.offer_id == offer.id
    with pytest.raises(OfferNotAvailable):
        ingest(purchased_at=datetime(2025, 3, 11, 0, 0, tzinfo=UTC))


def test_other_currency_is_refused(ingest):
    with pytest.raises(UnsupportedCurrency):
        ingest(currency="USD")
    assert Purchase.objects.count() == 0


def test_purchased_at_in_the_future_is_refused(ingest):
    with pytest.raises(ValidationError):
        ingest(purchased_at=datetime.now(UTC) + timedelta(minutes=5))


def test_monthly_cap_counts_same_offer_same_utc_month_non_reversed(ingest, user, offer, admin_actor):
    offer.monthly_cap_per_user = D("25.00")
    offer.save()
    month_start = (datetime.now(UTC) - timedelta(days=60)).replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    mid_month = month_start + timedelta(days=14)
    assert ingest("100.00", purchased_at=month_start - timedelta(seconds=1)).cashback_amount == D("10.00")
    assert ingest("100.00", purchased_at=mid_month).cashback_amount == D("10.00")
    reversed_one = ingest("100.00", purchased_at=mid_month)
    purchase_reverse(purchase_id=reversed_one.id, actor=admin_actor)
    assert ingest("100.00", purchased_at=mid_month).cashback_amount == D("10.00")
    assert ingest("100.00", purchased_at=mid_month).cashback_amount == D("5.00")  # 25 - 20
    assert ingest("100.00", purchased_at=mid_month).cashback_amount == D("0.00")
    # Another user's purchases and another offer's do not count.
    other = UserFactory()
    assert ingest("100.00", purchased_at=mid_month, user_id=other.id).cashback_amount == D("10.00")


# --- the state machine and the wallet table ------------------------------------------------


def test_transition_table_is_the_contract():
    assert {
        "pending": {"confirmed", "reversed"},
        "confirmed": {"reversed"},
        "reversed": set(),
    } == ALLOWED_TRANSITIONS


def test_wallet_table_row_by_row(ingest, user, admin_actor):
    """api-v1.md "Wallet": each change moves exactly the buckets of its row."""
    first = ingest("100.00")  # purchase created, c = 10.00: pending +c
    assert balances(user) == (D("10.00"), D("0.00"), D("0.00"))
    purchase_confirm(purchase_id=first.id, actor=admin_actor)  # confirmed: pending -c, available +c
    assert balances(user) == (D("0.00"), D("10.00"), D("0.00"))
    second = ingest("50.00")
    assert balances(user) == (D("5.00"), D("10.00"), D("0.00"))
    purchase_reverse(purchase_id=second.id, actor=admin_actor)  # pending reversed: pending -c
    assert balances(user) == (D("0.00"), D("10.00"), D("0.00"))
    with transaction.atomic():  # payout requested, a = 10.00: available -a, paid +a
        wallet_post(
            wallet=wallet_lock(user_id=user.id),
            entry_type=EntryType.PAYOUT_REQUESTED,
            available=D("-10.00"),
            paid=D("10.00"),
            payout_id=uuid.uuid4(),
        )
    purchase_reverse(purchase_id=first.id, actor=admin_actor)  # confirmed reversed: available -c, below zero
    assert balances(user) == (D("0.00"), D("-10.00"), D("10.00"))
    assert entry_types(first) == ["cashback_pending", "cashback_confirmed", "cashback_reversed"]
    assert entry_types(second) == ["cashback_pending", "cashback_reversed"]
    assert ledger_discrepancies() == []


def test_each_transition_sets_status_timestamps_and_audit(ingest, admin_actor):
    confirmed, _ = purchase_confirm(purchase_id=ingest().id, actor=admin_actor)
    assert (confirmed.status, confirmed.cashback_status) == ("confirmed", "available")
    assert confirmed.confirmed_at is not None and confirmed.reversed_at is None
    reversed_, _ = purchase_reverse(purchase_id=confirmed.id, reason="Returned", actor=admin_actor)
    assert (reversed_.status, reversed_.cashback_status, reversed_.reversal_reason) == (
        "reversed",
        "reversed",
        "Returned",
    )
    assert reversed_.reversed_at is not None
    events = list(PurchaseEvent.objects.filter(purchase=confirmed).values_list("action", "from_status", "to_status"))
    assert events == [
        ("created", "", "pending"),
        ("confirmed", "pending", "confirmed"),
        ("reversed", "confirmed", "reversed"),
    ]
    assert PurchaseEvent.objects.filter(purchase=confirmed, action="reversed").get().actor_kind == "admin"


def test_confirming_a_reversed_purchase_is_refused(ingest, admin_actor):
    purchase, _ = purchase_reverse(purchase_id=ingest().id, actor=admin_actor)
    with pytest.raises(InvalidStateTransition) as info:
        purchase_confirm(purchase_id=purchase.id, actor=admin_actor)
    assert info.value.details == {"current_status": "reversed"}
    assert Purchase.objects.get(pk=purchase.pk).status == "reversed"


@pytest.mark.parametrize("action", [purchase_confirm, purchase_reverse])
def test_repeating_a_done_transition_changes_nothing(ingest, user, admin_actor, action):
    purchase, changed = action(purchase_id=ingest().id, actor=admin_actor)
    before = (balances(user), WalletEntry.objects.count(), PurchaseEvent.objects.count(), purchase.status)
    again, changed_again = action(purchase_id=purchase.id, actor=admin_actor)
    assert (balances(user), WalletEntry.objects.count(), PurchaseEvent.objects.count(), again.status) == before
    assert (changed, changed_again) == (True, False)


def test_clearing_a_flag_says_whether_it_changed_anything(ingest, partner, admin_actor):
    purchase = ingest("2000.00")
    partner_actor = Actor.for_partner(partner)
    remembered = purchase_confirm(external_id=purchase.external_id, partner=partner, actor=partner_actor)[1]
    remembered_again = purchase_confirm(external_id=purchase.external_id, partner=partner, actor=partner_actor)[1]
    cleared = purchase_clear_flag(purchase_id=purchase.id, actor=admin_actor)[1]
    cleared_again = purchase_clear_flag(purchase_id=purchase.id, actor=admin_actor)[1]
    assert (remembered, remembered_again, cleared, cleared_again) == (True, False, True, False)


def test_database_refuses_inconsistent_status_pairs(ingest):
    from django.db import IntegrityError

    purchase = ingest()
    with pytest.raises(IntegrityError), transaction.atomic():
        Purchase.objects.filter(pk=purchase.pk).update(status="confirmed")  # no confirmed_at, cashback pending
    with pytest.raises(IntegrityError), transaction.atomic():
        Purchase.objects.filter(pk=purchase.pk).update(cashback_amount=D("999.00"))  # above the amount


# --- fraud flags ----------------------------------------------------------------------------


def test_amount_at_review_threshold_is_flagged(ingest, settings):
    settings.FRAUD_REVIEW_AMOUNT = D("1000.00")
    assert ingest("999.99").flagged is False
    flagged = ingest("1000.00")
    assert (flagged.flagged, flagged.flag_reasons) == (True, ["high_amount"])


def test_velocity_over_the_limit_is_flagged(ingest, settings):
    settings.FRAUD_VELOCITY_LIMIT = "3/h"
    now = datetime.now(UTC)
    results = [ingest(purchased_at=now - timedelta(minutes=4 - i)).flagged for i in range(4)]
    assert results == [False, False, False, True]
    assert Purchase.objects.filter(flagged=True).get().flag_reasons == ["velocity"]
    # Outside the window the count starts again.
    assert ingest(purchased_at=now - timedelta(hours=3)).flagged is False


def test_partner_confirm_of_flagged_purchase_is_remembered_and_clear_flag_confirms(ingest, partner, user, admin_actor):
    purchase = ingest("2000.00")
    held, _ = purchase_confirm(external_id=purchase.external_id, partner=partner, actor=Actor.for_partner(partner))
    assert (held.status, held.flagged, held.settlement_requested) == ("pending", True, True)
    assert balances(user) == (D("200.00"), D("0.00"), D("0.00"))
    cleared, _ = purchase_clear_flag(purchase_id=purchase.id, actor=admin_actor)
    assert (cleared.status, cleared.flagged, cleared.flag_reasons) == ("confirmed", False, ["high_amount"])
    assert balances(user) == (D("0.00"), D("200.00"), D("0.00"))
    actions = list(PurchaseEvent.objects.filter(purchase=purchase).values_list("action", flat=True))
    assert actions == ["created", "settlement_requested", "flag_cleared", "confirmed"]


def test_clearing_a_flag_without_settlement_leaves_it_pending_for_the_job(ingest, admin_actor):
    purchase = ingest("2000.00")
    cleared, _ = purchase_clear_flag(purchase_id=purchase.id, actor=admin_actor)
    assert (cleared.status, cleared.flagged) == ("pending", False)


def test_admin_confirm_of_flagged_purchase_confirms_and_clears(ingest, admin_actor):
    confirmed, _ = purchase_confirm(purchase_id=ingest("2000.00").id, actor=admin_actor)
    assert (confirmed.status, confirmed.flagged) == ("confirmed", False)


def test_flagged_purchase_can_be_reversed(ingest, partner):
    purchase = ingest("2000.00")
    reversed_, _ = purchase_reverse(external_id=purchase.external_id, partner=partner, actor=Actor.for_partner(partner))
    assert reversed_.status == "reversed"


# --- the ledger check -----------------------------------------------------------------------


def test_verify_ledger_finds_a_planted_discrepancy(ingest, user):
    ingest()
    call_command("verify_ledger")
    with connection.cursor() as cursor:
        cursor.execute("UPDATE wallets_wallet SET available = available + 1 WHERE user_id = %s", [user.id])
    with pytest.raises(CommandError):
        call_command("verify_ledger")
