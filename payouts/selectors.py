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
from payouts.filters import AdminPayoutFilter, UserPayoutFilter
from payouts.models import Payout
from payouts.permissions import VIEW_PAYOUT


def payouts_visible_to(*, viewer: User) -> QuerySet[Payout]:
    """Staff with the payout screen's view permission see every payout; everyone else their own."""
    payouts = Payout.objects.all() if staff_may(viewer, VIEW_PAYOUT) else Payout.objects.filter(user_id=viewer.id)
    return payouts.order_by("-created_at", "-id")


def payout_list(*, viewer: User, filters: Mapping[str, Any] | None = None) -> QuerySet[Payout]:
    """Newest first; admins may filter by status and user_id, users by status (400 on bad values)."""
    filterset_class = AdminPayoutFilter if staff_may(viewer, VIEW_PAYOUT) else UserPayoutFilter
    return filter_queryset(filterset_class, filters, payouts_visible_to(viewer=viewer))


def payout_get(*, viewer: User, payout_id: uuid.UUID) -> Payout:
    payout = payouts_visible_to(viewer=viewer).filter(pk=payout_id).first()
    if payout is None:
        raise NotFound("Payout not found.")
    return payout
