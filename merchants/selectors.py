"""Reads over merchants. Staff with the merchant screen's view permission see all; everyone else
(users, and staff without it) only active merchants."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from django.db.models import QuerySet
from django.db.models.functions import Lower

from accounts.models import User
from accounts.permissions import staff_may
from clicknback.errors import NotFound
from clicknback.filtering import filter_queryset
from merchants.filters import MerchantFilter
from merchants.models import Merchant, MerchantStatus
from merchants.permissions import VIEW_MERCHANT


def merchants_visible_to(*, user: User) -> QuerySet[Merchant]:
    merchants = Merchant.objects.all()
    return merchants if staff_may(user, VIEW_MERCHANT) else merchants.filter(status=MerchantStatus.ACTIVE)


def merchant_list(*, user: User, filters: Mapping[str, Any] | None = None) -> QuerySet[Merchant]:
    """Ordered by name, ignoring case; `search` for everyone, `status` for admins only (ignored for users)."""
    merchants = merchants_visible_to(user=user)
    staff = staff_may(user, VIEW_MERCHANT)
    return filter_queryset(MerchantFilter, filters, merchants, staff=staff).order_by(Lower("name"), "id")


def merchant_get(*, user: User, merchant_id: uuid.UUID) -> Merchant:
    """The merchant, or NOT_FOUND (also for an inactive merchant asked for by a user)."""
    merchant = merchants_visible_to(user=user).filter(pk=merchant_id).first()
    if merchant is None:
        raise NotFound()
    return merchant


def merchant_categories(*, user: User) -> list[str]:
    """The categories of the merchants `user` may see, sorted: the choices of the shops' filter."""
    merchants = merchants_visible_to(user=user).exclude(category=None)
    return list(merchants.order_by("category").values_list("category", flat=True).distinct())
