"""Reads over claims, and the evidence a claim is judged on."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from django.db.models import QuerySet

from accounts.models import User
from accounts.permissions import staff_may
from claims.filters import ClaimFilter
from claims.models import Claim
from claims.permissions import VIEW_CLAIM
from clicknback.errors import NotFound
from clicknback.filtering import filter_queryset
from clicks.selectors import click_find
from purchases.models import Purchase, PurchaseStatus


def claims_visible_to(*, user: User) -> QuerySet[Claim]:
    """Staff with the claim screen's view permission see every claim; everyone else their own.
    Newest first, merchant joined for its name."""
    claims = Claim.objects.select_related("merchant").order_by("-created_at", "-id")
    return claims if staff_may(user, VIEW_CLAIM) else claims.filter(user_id=user.pk)


def claim_list(*, user: User, filters: Mapping[str, Any] | None = None) -> QuerySet[Claim]:
    """Newest first; staff may filter by status (others' such filters are ignored)."""
    return filter_queryset(ClaimFilter, filters, claims_visible_to(user=user), staff=staff_may(user, VIEW_CLAIM))


def claim_get(*, user: User, claim_id: uuid.UUID) -> Claim:
    claim = claims_visible_to(user=user).filter(pk=claim_id).first()
    if claim is None:
        raise NotFound("No such claim.")
    return claim


def order_purchase_id(*, merchant_id: uuid.UUID, order_reference: str) -> uuid.UUID | None:
    """The non-reversed purchase booked for this order of the merchant, if any."""
    purchases = Purchase.objects.filter(merchant_id=merchant_id, order_reference=order_reference)
    return purchases.exclude(status=PurchaseStatus.REVERSED).values_list("id", flat=True).first()


def click_backs_claim(*, click_id: str, user_id: uuid.UUID, merchant_id: uuid.UUID, purchased_at: datetime) -> bool:
    """Whether `click_id` is the user's own click at the merchant, with the purchase in its window."""
    click = click_find(click_id=click_id) if click_id else None
    return bool(click and click.user_id == user_id and click.merchant_id == merchant_id and click.covers(purchased_at))
