"""Reads over campaigns: the candidates of a purchase, what users and staff see, the budget check."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from django.db import connection
from django.db.models import Count, F, Max, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone

from accounts.models import User
from accounts.permissions import staff_may
from campaigns.models import Campaign, CampaignBonus, CampaignBudgetStripe, CampaignEnrollment, CampaignStatus
from campaigns.permissions import VIEW_CAMPAIGN
from campaigns.rules import CampaignTerms
from clicknback import rawsql
from clicknback.errors import NotFound
from clicknback.money import ZERO


def _spent() -> Subquery:
    stripes = (
        CampaignBudgetStripe.objects.filter(campaign=OuterRef("pk"))
        .order_by()
        .values("campaign")
        .annotate(total=Sum("spent"))
        .values("total")
    )
    return Coalesce(Subquery(stripes), Value(ZERO))


def _running(queryset: QuerySet[Campaign], at: datetime) -> QuerySet[Campaign]:
    return queryset.filter(status=CampaignStatus.ACTIVE, starts_at__lte=at, ends_at__gt=at)


def campaigns_with_spent() -> QuerySet[Campaign]:
    """Campaigns with `budget_spent` (the sum of their stripes)."""
    return Campaign.objects.annotate(budget_spent=_spent())


def _candidates_sql() -> str:
    """`campaign_candidates`' query, hand-written (`clicknback.rawsql`): it runs on every ingestion,
    where compiling its queryset cost more Python than the rest of the ingestion's queries
    (docs/performance.md); `campaigns/tests/test_selectors.py` holds it to its ORM twin."""
    bonus, enrollment, stripe = CampaignBonus, CampaignEnrollment, CampaignBudgetStripe

    def c(field: str) -> str:
        return rawsql.col(Campaign, field, "c")

    spent = (
        f"SELECT SUM({rawsql.col(stripe, 'spent', 's')}) FROM {rawsql.table(stripe, 's')} "  # noqa: S608
        f"WHERE {rawsql.col(stripe, 'campaign', 's')} = {c('id')}"
    )
    enrolled = (
        f"SELECT 1 FROM {rawsql.table(enrollment, 'e')} WHERE {rawsql.col(enrollment, 'campaign', 'e')} = {c('id')} "  # noqa: S608
        f"AND {rawsql.col(enrollment, 'user', 'e')} = %(user_id)s "
        f"AND {rawsql.col(enrollment, 'enrolled_at', 'e')} <= %(at)s"
    )
    uses = (
        f"SELECT COUNT(*) FROM {rawsql.table(bonus, 'b')} WHERE {rawsql.col(bonus, 'campaign', 'b')} = {c('id')} "  # noqa: S608
        f"AND {rawsql.col(bonus, 'user', 'b')} = %(user_id)s AND {rawsql.col(bonus, 'reversed_at', 'b')} IS NULL"
    )
    return (
        f"SELECT {rawsql.columns(Campaign, 'c')}, COALESCE(({spent}), %(zero)s) "  # noqa: S608
        f"FROM {rawsql.table(Campaign, 'c')} "
        f"WHERE {c('status')} = %(active)s AND {c('starts_at')} <= %(at)s AND {c('ends_at')} > %(at)s "
        f"AND ({c('merchant_ids')} = '{{}}' OR {c('merchant_ids')} @> ARRAY[%(merchant_id)s]::uuid[]) "
        f"AND (NOT {c('requires_enrollment')} OR EXISTS ({enrolled})) "
        f"AND ({c('max_uses_per_user')} IS NULL OR ({uses}) < {c('max_uses_per_user')}) "
        f"ORDER BY {c('created_at')}, {c('id')}"
    )


_CANDIDATES = _candidates_sql()


def campaign_candidates(*, user_id: uuid.UUID, merchant_id: uuid.UUID, at: datetime) -> list[CampaignTerms]:
    """The campaigns that may apply to the user's purchase at `merchant_id` made at `at`: running
    then, covering the merchant, the user enrolled by then where required, and under
    `max_uses_per_user` (non-reversed bonuses); each with what is left of its budget. One query.

    Ingestion reads it under the user's wallet lock, so one user's ingestions see each other's
    uses: `max_uses_per_user` holds under concurrency."""
    params = {"user_id": user_id, "merchant_id": merchant_id, "at": at, "active": CampaignStatus.ACTIVE.value}
    with connection.cursor() as cursor:
        cursor.execute(_CANDIDATES, params | {"zero": ZERO})
        rows = cursor.fetchall()
    width = rawsql.width(Campaign)
    candidates = []
    for row in rows:
        campaign, spent = rawsql.from_row(Campaign, row), row[width]
        candidates.append(
            CampaignTerms.from_campaign(
                campaign, budget_left=None if campaign.budget is None else campaign.budget - spent
            )
        )
    return candidates


@dataclass(frozen=True)
class CampaignPool:
    """The campaigns a batch of purchases may get bonuses from, with its users' enrollments: the
    rules of `campaign_candidates` applied in memory, so one batch reads them once."""

    campaigns: list[Campaign]
    enrolled_at: dict[tuple[uuid.UUID, uuid.UUID], datetime]

    def candidates(
        self, *, user_id: uuid.UUID, merchant_id: uuid.UUID, at: datetime, uses: Callable[[uuid.UUID], int]
    ) -> list[Campaign]:
        """`campaign_candidates`' campaigns for one purchase; `uses(campaign_id)`: the user's uses now."""
        found = []
        for campaign in self.campaigns:
            if not campaign.is_running(at):
                continue
            if campaign.merchant_ids and merchant_id not in campaign.merchant_ids:
                continue
            enrolled = self.enrolled_at.get((campaign.id, user_id))
            if campaign.requires_enrollment and (enrolled is None or enrolled > at):
                continue
            if campaign.max_uses_per_user is not None and uses(campaign.id) >= campaign.max_uses_per_user:
                continue
            found.append(campaign)
        return found


def campaign_pool(
    *, user_ids: list[uuid.UUID], merchant_ids: list[uuid.UUID], first: datetime, last: datetime
) -> CampaignPool:
    """The campaigns running at some moment of [first, last] at one of the merchants, oldest first,
    and the users' enrollments in them. Two queries."""
    campaigns = list(
        Campaign.objects.filter(status=CampaignStatus.ACTIVE, starts_at__lte=last, ends_at__gt=first)
        .filter(Q(merchant_ids=[]) | Q(merchant_ids__overlap=merchant_ids))
        .order_by("created_at", "id")
    )
    enrolled = CampaignEnrollment.objects.filter(campaign__in=[c.id for c in campaigns], user_id__in=user_ids)
    return CampaignPool(
        campaigns, {(c, u): at for c, u, at in enrolled.values_list("campaign_id", "user_id", "enrolled_at")}
    )


def campaigns_visible_to(*, user: User, now: datetime | None = None) -> QuerySet[Campaign]:
    """Staff with the campaign screen's view permission: every campaign; anyone else: those
    running now, with the caller's `enrolled`, `uses`, `total_earned`, `last_used`, `enrolled_at`."""
    queryset = campaigns_with_spent().order_by("-created_at", "-id")
    if not staff_may(user, VIEW_CAMPAIGN):
        queryset = _running(queryset, now or timezone.now())
    return with_usage_of(queryset, user_id=user.pk)


def with_usage_of(queryset: QuerySet[Campaign], *, user_id: uuid.UUID) -> QuerySet[Campaign]:
    """The user's usage of each campaign: non-reversed bonuses (pending included) and enrollment."""
    bonuses = CampaignBonus.objects.filter(campaign=OuterRef("pk"), user_id=user_id, reversed_at__isnull=True)

    def aggregate(expression):
        return Subquery(bonuses.order_by().values("campaign").annotate(v=expression).values("v"))

    enrollment = CampaignEnrollment.objects.filter(campaign=OuterRef("pk"), user_id=user_id)
    return queryset.annotate(
        uses=Coalesce(aggregate(Count("*")), Value(0)),
        total_earned=Coalesce(aggregate(Sum("amount")), Value(ZERO)),
        last_used=aggregate(Max("created_at")),
        enrolled_at=Subquery(enrollment.values("enrolled_at")[:1]),
    )


def campaign_list(*, user: User, status: str | None = None) -> QuerySet[Campaign]:
    campaigns = campaigns_visible_to(user=user)
    if status and staff_may(user, VIEW_CAMPAIGN):
        campaigns = campaigns.filter(status=status)
    return campaigns


def campaign_get(*, user: User, campaign_id: uuid.UUID) -> Campaign:
    """The campaign, or NOT_FOUND (to users, also a campaign that is not running)."""
    campaign = campaigns_visible_to(user=user).filter(pk=campaign_id).first()
    if campaign is None:
        raise NotFound("No such campaign.")
    return campaign


@dataclass(frozen=True)
class CampaignUsage:
    user_id: uuid.UUID
    email: str
    uses: int
    total_earned: Decimal
    last_used: datetime | None
    enrolled_at: datetime | None


def campaign_usage(*, campaign_id: uuid.UUID, limit: int = 100) -> list[CampaignUsage]:
    """Per user of a campaign (for staff): uses, total earned, last use, enrollment; most uses first."""
    bonuses = (
        CampaignBonus.objects.filter(campaign_id=campaign_id, reversed_at__isnull=True)
        .values("user_id", "user__email")
        .annotate(uses=Count("*"), total=Sum("amount"), last=Max("created_at"))
        .order_by("-uses", "user_id")[:limit]
    )
    enrolled = dict(CampaignEnrollment.objects.filter(campaign_id=campaign_id).values_list("user_id", "enrolled_at"))
    found = [
        CampaignUsage(
            b["user_id"], b["user__email"], b["uses"], b["total"], b["last"], enrolled.pop(b["user_id"], None)
        )
        for b in bonuses
    ]
    emails = dict(User.objects.filter(pk__in=list(enrolled)).values_list("pk", "email"))
    found += [CampaignUsage(uid, emails.get(uid, ""), 0, ZERO, None, at) for uid, at in enrolled.items()]
    return found


def budget_discrepancies() -> list[tuple[uuid.UUID, Decimal, Decimal]]:
    """(campaign, Σ stripes spent, Σ non-reversed bonuses) wherever the two differ (one query)."""
    bonuses = (
        CampaignBonus.objects.filter(campaign=OuterRef("pk"), reversed_at__isnull=True)
        .order_by()
        .values("campaign")
        .annotate(total=Sum("amount"))
        .values("total")
    )
    rows = (
        campaigns_with_spent()
        .annotate(bonus_total=Coalesce(Subquery(bonuses), Value(ZERO)))
        .exclude(budget_spent=F("bonus_total"))
        .order_by("created_at")
        .values_list("id", "budget_spent", "bonus_total")
    )
    return list(rows)


def budget_discrepancy_lines() -> list[str]:
    """`budget_discrepancies()` as `verify_ledger` prints them."""
    return [
        f"campaign {campaign_id}: budget_spent is {spent}, its non-reversed bonuses add up to {bonuses}"
        for campaign_id, spent, bonuses in budget_discrepancies()
    ]


def campaign_spend_per_day(first_day: date, last_day: date) -> dict[date, Decimal]:
    """Bonuses paid per UTC day (non-reversed), every day of [first_day, last_day] present; one
    GROUP BY (for the dashboard)."""
    rows = (
        CampaignBonus.objects.filter(
            reversed_at__isnull=True,
            created_at__gte=_midnight(first_day),
            created_at__lt=_midnight(last_day + timedelta(days=1)),
        )
        .annotate(day=TruncDate("created_at", tzinfo=UTC))
        .order_by()
        .values("day")
        .annotate(total=Sum("amount"))
        .values_list("day", "total")
    )
    spent = dict(rows)
    days = (first_day + timedelta(days=n) for n in range((last_day - first_day).days + 1))
    return {day: spent.get(day, ZERO) for day in days}


def _midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def running_campaigns_budget_left(*, now: datetime | None = None) -> list[tuple[Campaign, Decimal | None]]:
    """Each running campaign with what is left of its budget (None: no budget), ending soonest first."""
    campaigns = _running(campaigns_with_spent(), now or timezone.now()).order_by("ends_at", "id")
    return [(c, None if c.budget is None else c.budget - c.budget_spent) for c in campaigns]


def campaigns_running_at_merchants(
    *, merchant_ids: list[uuid.UUID], now: datetime | None = None
) -> dict[uuid.UUID, list[Campaign]]:
    """For each of `merchant_ids`, the campaigns running now that cover it (one query; a campaign
    without merchants covers them all), oldest first: what a shop page announces."""
    running = list(_running(Campaign.objects, now or timezone.now()).order_by("created_at", "id"))
    return {
        merchant_id: [c for c in running if not c.merchant_ids or merchant_id in c.merchant_ids]
        for merchant_id in merchant_ids
    }


def campaign_ids_enrolled(*, user_id: uuid.UUID, campaign_ids: list[uuid.UUID]) -> frozenset[uuid.UUID]:
    return frozenset(
        CampaignEnrollment.objects.filter(user_id=user_id, campaign_id__in=campaign_ids).values_list(
            "campaign_id", flat=True
        )
    )


@dataclass(frozen=True)
class CampaignFigures:
    campaign_id: uuid.UUID
    name: str
    status: str
    budget: Decimal | None
    budget_spent: Decimal
    purchases: int
    users: int
    bonus_paid: Decimal


def campaign_figures(*, first: date, last: date) -> list[CampaignFigures]:
    """Every campaign whose window meets [first, last] (UTC days), newest first: its budget spent
    so far, and the purchases, users and bonuses of its non-reversed bonuses booked in the range.
    One query whatever the number of campaigns (`GET /analytics/campaigns`)."""
    start, end = _midnight(first), _midnight(last + timedelta(days=1))
    in_range = CampaignBonus.objects.filter(
        campaign=OuterRef("pk"), reversed_at__isnull=True, created_at__gte=start, created_at__lt=end
    ).order_by()

    def aggregate(expression, default):
        grouped = in_range.values("campaign").annotate(v=expression).values("v")
        return Coalesce(Subquery(grouped), Value(default))

    campaigns = (
        campaigns_with_spent()
        .filter(starts_at__lt=end, ends_at__gt=start)
        .annotate(
            purchases=aggregate(Count("*"), 0),
            users=aggregate(Count("user", distinct=True), 0),
            bonus_paid=aggregate(Sum("amount"), ZERO),
        )
        .order_by("-created_at", "-id")
    )
    return [
        CampaignFigures(c.id, c.name, c.status, c.budget, c.budget_spent, c.purchases, c.users, c.bonus_paid)
        for c in campaigns
    ]
