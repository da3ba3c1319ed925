"""Writes on offers. "No two active offers of a merchant overlap" is held by the database's exclusion
constraint; the services only translate its refusal into OFFER_OVERLAP naming the other offer."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from rest_framework.exceptions import ValidationError

from clicknback.actors import Actor
from clicknback.audit import apply_changes, audit_record, initial_values
from clicknback.dates import DATE_RANGE_MESSAGE, is_supported_date
from clicknback.errors import MerchantInactive, OfferOverlap
from clicknback.events import record_event
from clicknback.integrity import violated_constraint
from clicknback.models import AuditAction
from clicknback.money import decimal_setting, format_money
from clicknback.readcache import OFFER_CATALOGUE, read_cache_invalidate
from merchants.models import Merchant
from offers.models import CashbackType, Offer, OfferStatus

OVERLAP_CONSTRAINT = "offer_no_overlapping_active"
TERMS = (
    "cashback_type",
    "cashback_value",
    "starts_on",
    "ends_on",
    "monthly_cap_per_user",
    "min_purchase_amount",
    "max_cashback_per_purchase",
)
UPDATABLE_FIELDS = frozenset(
    {"status", "ends_on", "monthly_cap_per_user", "min_purchase_amount", "max_cashback_per_purchase"}
)
# An update that changes the status is recorded as what it does to the offer.
STATUS_ACTIONS = {OfferStatus.ACTIVE: AuditAction.OFFER_ACTIVATED, OfferStatus.INACTIVE: AuditAction.OFFER_DEACTIVATED}

MUST_BE_POSITIVE = "Must be greater than 0."
MUST_NOT_BE_NEGATIVE = "Must be 0 or greater."
ENDS_BEFORE_START = "Must be on or after starts_on."


def offer_terms_errors(
    *,
    cashback_type: str,
    cashback_value: Decimal,
    starts_on: date,
    ends_on: date,
    monthly_cap_per_user: Decimal | None = None,
    min_purchase_amount: Decimal | None = None,
    max_cashback_per_purchase: Decimal | None = None,
) -> dict[str, list[str]]:
    """Every rule of the contract on an offer's terms, as `{field: [message]}` (empty when valid).

    Shared by the services and the admin form, so both refuse the same things with the same words.
    """
    found: dict[str, list[str]] = {}
    maximum = decimal_setting("MAX_CASHBACK_PERCENT")
    if cashback_value <= 0:
        found["cashback_value"] = [MUST_BE_POSITIVE]
    elif cashback_type == CashbackType.PERCENT and cashback_value > maximum:
        found["cashback_value"] = [f"A percent cashback must be at most {format_money(maximum)}."]
    if ends_on < starts_on:
        found["ends_on"] = [ENDS_BEFORE_START]
    for field, day in (("starts_on", starts_on), ("ends_on", ends_on)):
        if not is_supported_date(day):
            found[field] = [DATE_RANGE_MESSAGE]
    for field, value in (
        ("monthly_cap_per_user", monthly_cap_per_user),
        ("max_cashback_per_purchase", max_cashback_per_purchase),
    ):
        if value is not None and value <= 0:
            found[field] = [MUST_BE_POSITIVE]
    if min_purchase_amount is not None and min_purchase_amount < 0:
        found["min_purchase_amount"] = [MUST_NOT_BE_NEGATIVE]
    return found


def _terms_errors_of(offer: Offer) -> dict[str, list[str]]:
    return offer_terms_errors(
        cashback_type=offer.cashback_type,
        cashback_value=offer.cashback_value,
        starts_on=offer.starts_on,
        ends_on=offer.ends_on,
        monthly_cap_per_user=offer.monthly_cap_per_user,
        min_purchase_amount=offer.min_purchase_amount,
        max_cashback_per_purchase=offer.max_cashback_per_purchase,
    )


def _overlapping_offer_id(offer: Offer) -> uuid.UUID | None:
    """The active offer that made the exclusion constraint refuse `offer` (committed by now: PostgreSQL
    waits for a concurrent writer to finish before it reports the conflict)."""
    return (
        Offer.objects.filter(
            merchant_id=offer.merchant_id,
            status=OfferStatus.ACTIVE,
            starts_on__lte=offer.ends_on,
            ends_on__gte=offer.starts_on,
        )
        .exclude(pk=offer.pk)
        .values_list("id", flat=True)
        .first()
    )


def _lock_merchant_offers(merchant_id: uuid.UUID) -> Merchant | None:
    """Lock the merchant's row so its offer writes go one at a time.

    Two transactions inserting overlapping offers at once would each wait for the other inside the
    exclusion constraint's check, and PostgreSQL would abort one as a deadlock instead of reporting
    the overlap. NO KEY UPDATE leaves the purchases' foreign-key locks (KEY SHARE) unblocked.
    """
    return Merchant.objects.select_for_update(no_key=True).filter(pk=merchant_id).first()


def _save(offer: Offer, **kwargs: Any) -> None:
    """Save in a savepoint; an overlap becomes OFFER_OVERLAP and leaves any outer transaction usable."""
    try:
        with transaction.atomic():
            offer.save(**kwargs)
    except IntegrityError as exc:
        if violated_constraint(exc) != OVERLAP_CONSTRAINT:
            raise
        other_id = _overlapping_offer_id(offer)
        raise OfferOverlap(offer_id=str(other_id) if other_id else None) from exc


@transaction.atomic
def offer_create(
    *,
    merchant_id: uuid.UUID,
    cashback_type: str,
    cashback_value: Decimal,
    starts_on: date,
    ends_on: date,
    monthly_cap_per_user: Decimal | None = None,
    min_purchase_amount: Decimal | None = None,
    max_cashback_per_purchase: Decimal | None = None,
    actor: Actor,
) -> Offer:
    """A new active offer. Unknown merchant: 400 on merchant_id; inactive merchant: MERCHANT_INACTIVE."""
    merchant = _lock_merchant_offers(merchant_id)
    offer = Offer(
        merchant_id=merchant_id,
        cashback_type=cashback_type,
        cashback_value=cashback_value,
        starts_on=starts_on,
        ends_on=ends_on,
        monthly_cap_per_user=monthly_cap_per_user,
        min_purchase_amount=min_purchase_amount,
        max_cashback_per_purchase=max_cashback_per_purchase,
        status=OfferStatus.ACTIVE,
    )
    found = _terms_errors_of(offer)
    if merchant is None:
        found["merchant_id"] = ["No merchant with this id."]
    if found:
        raise ValidationError(found)
    if not merchant.is_active:
        raise MerchantInactive(merchant_id=str(merchant.id))
    offer.merchant = merchant
    _save(offer, force_insert=True)
    audit_record(
        actor=actor,
        action=AuditAction.OFFER_CREATED,
        obj=offer,
        changes=initial_values(offer, ["merchant_id", *TERMS, "status"]),
    )
    record_event("offer.created", offer_id=offer.id, merchant_id=merchant.id, actor=actor)
    read_cache_invalidate(OFFER_CATALOGUE)
    return offer


@transaction.atomic
def offer_update(*, offer: Offer, actor: Actor, **changes: Any) -> Offer:
    """Apply `changes` (status, ends_on, the limits) to the locked row; the window and terms stay fixed.

    Re-activating or extending into another active offer's window is OFFER_OVERLAP.
    """
    _lock_merchant_offers(offer.merchant_id)
    locked = Offer.objects.select_related("merchant").select_for_update(of=("self",)).get(pk=offer.pk)
    changed = apply_changes(locked, changes, updatable=UPDATABLE_FIELDS)
    if not changed:
        return locked
    found = _terms_errors_of(locked)
    if found:
        raise ValidationError(found)
    _save(locked, update_fields=[*changed, "updated_at"])
    status_action = STATUS_ACTIONS.get(locked.status) if "status" in changed else None
    audit_record(actor=actor, action=status_action or AuditAction.OFFER_UPDATED, obj=locked, changes=changed)
    record_event("offer.updated", offer_id=locked.id, changed=sorted(changed), actor=actor)
    read_cache_invalidate(OFFER_CATALOGUE)
    return locked
