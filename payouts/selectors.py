"""Reads over payouts. A user sees only their own; another user's payout does not exist for them."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from django.db.models import QuerySet

from accounts.models import User
from accounts.permissions import staff_may
from clicknback.errors import NotFound
from clicknback.filtering import filter_queryset
from payouts.filters import PayoutFilter
from payouts.models import Payout
from payouts.permissions import VIEW_PAYOUT


def payouts_visible_to(*, user: User) -> QuerySet[Payout]:
    """Staff with the payout screen's view permission see every payout; everyone else their own."""
    payouts = Payout.objects.all() if staff_may(user, VIEW_PAYOUT) else Payout.objects.filter(user_id=user.id)
    return payouts.order_by("-created_at", "-id")


def payout_list(*, user: User, filters: Mapping[str, Any] | None = None) -> QuerySet[Payout]:
    """Newest first; admins may filter by status and user_id, users by status (400 on bad values)."""
    payouts = payouts_visible_to(user=user)
    return filter_queryset(PayoutFilter, filters, payouts, staff=staff_may(user, VIEW_PAYOUT))


def payout_get(*, user: User, payout_id: uuid.UUID) -> Payout:
    payout = payouts_visible_to(user=user).filter(pk=payout_id).first()
    if payout is None:
        raise NotFound("Payout not found.")
    return payout
