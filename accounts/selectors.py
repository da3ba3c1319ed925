"""Reads of accounts and partners."""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Max, Q, QuerySet, Sum
from django.db.models.functions import Coalesce, Lower

from accounts.models import Partner, PartnerWebhookDay, User, WebhookOutcome


def user_get_by_email(*, email: str) -> User | None:
    """The account with this email in any case; `lower(email)` is the indexed, unique expression."""
    return User.objects.alias(email_lower=Lower("email")).filter(email_lower=email.strip().lower()).first()


def partner_list() -> QuerySet[Partner]:
    """Newest first, with the id as a tie-breaker so pages never overlap."""
    return Partner.objects.order_by("-created_at", "-id")


def partners_with_health(queryset: QuerySet[Partner], *, day: date) -> QuerySet[Partner]:
    """The partners with their last webhook and `day`'s counts by outcome (`<outcome>_today`), in the
    list's own query (one join to the daily counters, aggregated)."""

    def on_day(outcome: WebhookOutcome) -> Coalesce:
        today = Q(webhook_days__day=day, webhook_days__outcome=outcome)
        return Coalesce(Sum("webhook_days__count", filter=today), 0)

    return queryset.annotate(
        last_webhook_at=Max("webhook_days__last_at", filter=~Q(webhook_days__outcome=WebhookOutcome.SIGNATURE_FAILURE)),
        **{f"{outcome.value}_today": on_day(outcome) for outcome in WebhookOutcome},
    )


@dataclass(frozen=True)
class HealthDay:
    """One day of a partner's webhooks: counts by outcome, and the codes behind rejections and
    signature failures (most frequent first)."""

    day: date
    counts: dict[str, int]
    codes: dict[str, list[tuple[str, int]]]


def partner_health_days(*, partner_id: uuid.UUID, last: date, days: int = 7) -> list[HealthDay]:
    """The partner's `days` days up to `last`, newest first, every day present (zeros included)."""
    first = last - timedelta(days=days - 1)
    counts: dict[date, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    codes: dict[date, dict[str, list[tuple[str, int]]]] = defaultdict(lambda: defaultdict(list))
    rows = PartnerWebhookDay.objects.filter(partner_id=partner_id, day__range=(first, last)).order_by("-count", "code")
    for row in rows.values_list("day", "outcome", "code", "count"):
        row_day, outcome, code, count = row
        counts[row_day][outcome] += count
        if code:
            codes[row_day][outcome].append((code, count))
    return [
        HealthDay(day=day, counts=dict(counts[day]), codes=dict(codes[day]))
        for day in (last - timedelta(days=offset) for offset in range(days))
    ]
