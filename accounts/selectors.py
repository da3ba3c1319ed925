"""Reads of accounts and partners."""

from __future__ import annotations

from django.db.models import QuerySet
from django.db.models.functions import Lower

from accounts.models import Partner, User


def user_get_by_email(*, email: str) -> User | None:
    """The account with this email in any case; `lower(email)` is the indexed, unique expression."""
    return User.objects.alias(email_lower=Lower("email")).filter(email_lower=email.strip().lower()).first()


def partner_list() -> QuerySet[Partner]:
    """Newest first, with the id as a tie-breaker so pages never overlap."""
    return Partner.objects.order_by("-created_at", "-id")
