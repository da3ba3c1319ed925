"""Writes on claims. Filing is one INSERT that the database refuses for an order already held;
approval books the purchase through `purchase_ingest`, the webhook's own service, and marks the
claim approved inside that same transaction, so a claim is approved exactly when its purchase exists."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from rest_framework.exceptions import ValidationError

from accounts.models import User
from accounts.services import partner_builtin
from claims.models import Claim, ClaimStatus
from claims.selectors import click_backs_claim, order_purchase_id
from clicknback.actors import Actor
from clicknback.errors import ClaimDuplicate, ClaimOutOfWindow, DuplicatePurchase, InvalidStateTransition, NotFound
from clicknback.events import record_event
from clicknback.integrity import violated_constraint
from clicknback.money import format_money
from events import outbox
from merchants.models import Merchant
from purchases.models import Purchase
from purchases.services import purchase_ingest

ORDER_CONSTRAINT = "claim_merchant_order_unique"
# The partner approved claims' purchases are booked as: created on the first approval (not by a
# migration, so partner lists stay as their users made them until a claim is approved), inactive.
CLAIMS_PARTNER_ID = uuid.UUID("00000000-0000-0000-0000-00000000c1a1")
CLAIMS_PARTNER_NAME = "claims"


def claims_partner_external_id(claim: Claim) -> str:
    """Unique per claim: a second approval of the claim is a duplicate purchase, never a second reward."""
    return f"claim:{claim.id}"


def claim_file(
    *,
    user: User,
    merchant_id: uuid.UUID,
    order_reference: str,
    amount: Decimal,
    purchased_at: datetime,
    click_id: str = "",
    note: str = "",
    actor: Actor,
) -> Claim:
    """File a claim for a purchase made between CLAIM_MAX_AGE_DAYS and CLAIM_MIN_AGE_DAYS days ago
    (UTC dates, both bounds inclusive), else CLAIM_OUT_OF_WINDOW. CLAIM_DUPLICATE when the order
    already has a purchase, or an open or approved claim of anyone (the database decides the latter)."""
    _check_window(purchased_at)
    if not Merchant.objects.filter(pk=merchant_id).exists():
        raise ValidationError({"merchant_id": ["No such merchant."]})
    if order_purchase_id(merchant_id=merchant_id, order_reference=order_reference) is not None:
        raise ClaimDuplicate("A purchase is already booked for this order.")
    claim = Claim(
        user=user,
        merchant_id=merchant_id,
        order_reference=order_reference,
        amount=amount,
        purchased_at=purchased_at,
        click_id=click_id,
        click_verified=click_backs_claim(
            click_id=click_id, user_id=user.pk, merchant_id=merchant_id, purchased_at=purchased_at
        ),
        note=note,
    )
    try:
        with transaction.atomic(durable=True):
            claim.save(force_insert=True)
            record_event("claim.filed", claim_id=claim.id, user_id=user.pk, merchant_id=merchant_id, actor=actor)
    except IntegrityError as exc:
        if violated_constraint(exc) != ORDER_CONSTRAINT:
            raise
        raise ClaimDuplicate("This order already has an open or approved claim.") from exc
    return Claim.objects.select_related("merchant").get(pk=claim.pk)


def _check_window(purchased_at: datetime) -> None:
    today = timezone.now().astimezone(UTC).date()
    earliest = today - timedelta(days=settings.CLAIM_MAX_AGE_DAYS)
    latest = today - timedelta(days=settings.CLAIM_MIN_AGE_DAYS)
    if not earliest <= purchased_at.astimezone(UTC).date() <= latest:
        raise ClaimOutOfWindow(
            f"A claim is for a purchase made between {earliest} and {latest}.",
            earliest=str(earliest),
            latest=str(latest),
        )


class _ClaimDecided(Exception):
    """The claim was decided while its purchase was being booked: the booking rolls back."""


def claim_approve(*, claim_id: uuid.UUID, actor: Actor) -> tuple[Claim, bool]:
    """Book the claim's purchase through the ingestion rules (the offer valid on its date, caps,
    flags) as the claims partner, and mark the claim approved in the same transaction. Returns the
    claim and whether this call changed it.

    A rule refusing the purchase raises its error and leaves the claim open. Approving an approved
    claim is a no-op (two approvals at once: the claim's external id lets one purchase through);
    approving a rejected one is InvalidStateTransition.
    """
    claim = _claim(claim_id)
    if claim.status != ClaimStatus.OPEN:
        return claim, _decided_already(claim, wanted=ClaimStatus.APPROVED)

    def mark_approved(purchase: Purchase) -> None:
        locked = Claim.objects.select_for_update().get(pk=claim.pk)
        if locked.status != ClaimStatus.OPEN:
            raise _ClaimDecided
        locked.status, locked.purchase, locked.decided_at = ClaimStatus.APPROVED, purchase, timezone.now()
        locked.save(update_fields=["status", "purchase", "decided_at"])
        outbox.record("claim.approved", claim.id, {**_decision_data(claim, actor), "purchase_id": purchase.id})

    try:
        purchase_ingest(
            partner=partner_builtin(partner_id=CLAIMS_PARTNER_ID, name=CLAIMS_PARTNER_NAME),
            external_id=claims_partner_external_id(claim),
            user_id=claim.user_id,
            merchant_id=claim.merchant_id,
            amount=claim.amount,
            currency=settings.PLATFORM_CURRENCY,
            purchased_at=claim.purchased_at,
            order_reference=claim.order_reference,
            then=mark_approved,
            actor=actor,
        )
    except (_ClaimDecided, DuplicatePurchase):
        claim = _claim(claim_id)
        if claim.status == ClaimStatus.OPEN:
            raise  # another purchase holds the order: the claim stays open
        return claim, _decided_already(claim, wanted=ClaimStatus.APPROVED)
    return _claim(claim_id), True


def claim_reject(*, claim_id: uuid.UUID, reason: str, actor: Actor) -> tuple[Claim, bool]:
    """Reject an open claim with a reason. Returns the claim and whether this call changed it;
    rejecting a rejected claim is a no-op, an approved one InvalidStateTransition."""
    with transaction.atomic(durable=True):
        claim = Claim.objects.select_for_update(of=("self",)).select_related("merchant").filter(pk=claim_id).first()
        if claim is None:
            raise NotFound("No such claim.")
        if claim.status != ClaimStatus.OPEN:
            return claim, _decided_already(claim, wanted=ClaimStatus.REJECTED)
        claim.status, claim.decision_reason, claim.decided_at = ClaimStatus.REJECTED, reason, timezone.now()
        claim.save(update_fields=["status", "decision_reason", "decided_at"])
        outbox.record("claim.rejected", claim.id, {**_decision_data(claim, actor), "reason": reason})
    return claim, True


def _decision_data(claim: Claim, actor: Actor) -> dict[str, object]:
    """What claim.approved and claim.rejected carry besides the purchase or the reason (events.md)."""
    return {
        "claim_id": claim.id,
        "user_id": claim.user_id,
        "merchant_id": claim.merchant_id,
        "merchant_name": claim.merchant.name,
        "order_reference": claim.order_reference,
        "amount": format_money(claim.amount),
        "actor": actor,
    }


def _claim(claim_id: uuid.UUID) -> Claim:
    claim = Claim.objects.select_related("merchant").filter(pk=claim_id).first()
    if claim is None:
        raise NotFound("No such claim.")
    return claim


def _decided_already(claim: Claim, *, wanted: ClaimStatus) -> bool:
    """A decided claim asked for a decision again: the same one changes nothing (False), the other
    is InvalidStateTransition."""
    if claim.status != wanted:
        raise InvalidStateTransition(f"The claim is {claim.status}.", current_status=claim.status)
    return False
