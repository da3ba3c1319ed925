"""Every write to purchases. Each public function is one transaction (`atomic(durable=True)`).

Lock order, always: the purchase row first (`select_for_update`), the wallet row last. Ingestion
has no purchase row yet, so it locks only the wallet; that lock is what serialises one user's
ingestions, so the monthly cap and the velocity count read under it cannot be raced.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import DateTimeField, ExpressionWrapper, F, Value
from django.utils import timezone
from rest_framework.exceptions import ValidationError

from accounts.models import Partner, User, WebhookOutcome
from accounts.services import webhook_count_statement
from campaigns.rules import CampaignTerms
from campaigns.services import campaign_budget_give_back, campaign_budget_take
from chain.tokens import token_payouts_on_confirmation
from clicknback import rawsql
from clicknback.actors import Actor, ActorKind
from clicknback.errors import (
    AmountTooLarge,
    ClickExpired,
    ClickMerchantMismatch,
    ClickNotFound,
    DomainError,
    DuplicatePurchase,
    MerchantNotEligible,
    NotFound,
    OfferNotAvailable,
    UnsupportedCurrency,
    UserNotEligible,
)
from clicknback.integrity import violated_constraint
from clicknback.money import decimal_setting, format_money
from clicknback.rollups import rollup_add, rollups_flush
from clicks.models import Click
from clicks.selectors import click_find
from events import outbox
from events.models import OutboxEvent
from events.outbox import EventSpec
from loyalty.services import points_for
from merchants.models import Merchant, MerchantStatus
from offers.models import Offer
from purchases.cashback import Breakdown, breakdown_with_campaigns
from purchases.fraud import fraud_flags, parse_rate
from purchases.models import Purchase, PurchaseAction, PurchaseEvent, PurchaseStatus
from purchases.selectors import offer_for_purchase, purchase_breakdown, user_purchase_stats, utc_month
from purchases.serializers import breakdown_data
from purchases.state_machine import (
    apply_plan_fields,
    audit_event,
    loyalty_follow_confirmations,
    plan_transition,
    posting_for,
    purchase_transition,
    rollup_transition,
    transition_event,
)
from wallets.models import EntryType
from wallets.services import wallet_lock, wallet_post, wallet_post_many, wallets_lock

EXTERNAL_ID_CONSTRAINT = "purchase_partner_external_id_unique"
ORDER_CONSTRAINT = "purchase_merchant_order_unique"


def purchase_ingest(
    *,
    partner: Partner,
    external_id: str,
    merchant_id: uuid.UUID,
    amount: Decimal,
    currency: str,
    user_id: uuid.UUID | None = None,
    click_id: str | None = None,
    purchased_at: datetime | None = None,
    order_reference: str | None = None,
    then: Callable[[Purchase], None] | None = None,
    count_webhook: bool = False,
    actor: Actor,
) -> Purchase:
    """Store a reported purchase and put its cashback in the user's pending balance.

    `count_webhook`: count the accepted webhook in the partner's health counters, in the purchase's
    own INSERT (the webhook: no statement and no commit of its own; a rolled-back ingestion counts
    nothing, and its refusal is counted by the view, as any refusal).

    The user is given, or is the one who made the click `click_id` (then the purchase must be at
    that click's merchant, within its window). `then(purchase)` runs inside the ingestion's
    transaction once the purchase is stored: a caller's own record (a claim's approval) commits
    or rolls back with it.

    Refusals store nothing. An `external_id` this partner already reported is `DuplicatePurchase`
    (with the partner's existing id) whatever the timing: the unique (external_id, partner)
    constraint decides, and its violation is caught once the transaction has rolled back, so
    concurrent duplicates never surface as a 500. Other partners' ids are none of its business.
    An `order_reference` of the merchant that a non-reversed purchase already holds (a partner's
    or an approved claim's) is `DuplicatePurchase` with that purchase's id, the same way.
    """
    now = timezone.now()
    purchased_at = purchased_at or now
    check_reported(purchased_at=purchased_at, currency=currency, amount=amount, now=now)
    if (user_id is None) == (click_id is None):
        raise ValidationError({"non_field_errors": ["Give exactly one of user_id and click_id."]})
    click = (
        None if click_id is None else _attributed_click(click_id, merchant_id=merchant_id, purchased_at=purchased_at)
    )
    try:
        with transaction.atomic(durable=True):
            purchase = _ingest(
                partner=partner,
                external_id=external_id,
                user_id=click.user_id if click else user_id,
                merchant_id=merchant_id,
                amount=amount,
                purchased_at=purchased_at,
                click=click,
                order_reference=order_reference,
                count_webhook=count_webhook,
                actor=actor,
            )
            if then is not None:
                then(purchase)
    except IntegrityError as exc:
        constraint = violated_constraint(exc)
        if constraint == EXTERNAL_ID_CONSTRAINT:
            existing = Purchase.objects.filter(partner=partner, external_id=external_id)
        elif constraint == ORDER_CONSTRAINT:
            existing = Purchase.objects.filter(merchant_id=merchant_id, order_reference=order_reference).exclude(
                status=PurchaseStatus.REVERSED
            )
        else:
            raise
        existing_id = existing.values_list("id", flat=True).first()  # None if reversed since: still a duplicate
        raise DuplicatePurchase(purchase_id=str(existing_id) if existing_id else None) from exc
    return purchase


def check_reported(*, purchased_at: datetime, currency: str, amount: Decimal, now: datetime) -> None:
    """The checks of a reported purchase that need no database, in the contract's order."""
    if purchased_at > now:
        raise ValidationError({"purchased_at": ["Must not be in the future."]})
    if currency.upper() != settings.PLATFORM_CURRENCY:
        raise UnsupportedCurrency(f"Only {settings.PLATFORM_CURRENCY} is supported.", currency=currency)
    _check_amount(amount)


def _attributed_click(click_id: str, *, merchant_id: uuid.UUID, purchased_at: datetime) -> Click:
    """The click a partner reported the sale with, if it attributes a purchase at `merchant_id` made at
    `purchased_at`; CLICK_NOT_FOUND, CLICK_EXPIRED or CLICK_MERCHANT_MISMATCH otherwise."""
    return check_click(
        click_find(click_id=click_id), click_id=click_id, merchant_id=merchant_id, purchased_at=purchased_at
    )


def check_click(click: Click | None, *, click_id: str, merchant_id: uuid.UUID, purchased_at: datetime) -> Click:
    """`click` (the one found for `click_id`, or None) if it attributes the purchase; else the refusal."""
    if click is None:
        raise ClickNotFound(click_id=click_id)
    if not click.covers(purchased_at):
        raise ClickExpired(
            click_id=click_id, clicked_at=click.created_at.isoformat(), expires_at=click.expires_at.isoformat()
        )
    if click.merchant_id != merchant_id:
        raise ClickMerchantMismatch(click_id=click_id)
    return click


def _check_amount(amount: Decimal) -> None:
    maximum = decimal_setting("MAX_PURCHASE_AMOUNT")
    if amount > maximum:
        raise AmountTooLarge(
            f"The largest purchase accepted is {format_money(maximum)}.", max_purchase_amount=format_money(maximum)
        )


def _ingest(
    *,
    partner: Partner,
    external_id: str,
    user_id: uuid.UUID,
    merchant_id: uuid.UUID,
    amount: Decimal,
    purchased_at: datetime,
    click: Click | None,
    order_reference: str | None,
    count_webhook: bool,
    actor: Actor,
) -> Purchase:
    utc_time = purchased_at.astimezone(UTC)
    offer = offer_for_purchase(user_id=user_id, merchant_id=merchant_id, on_date=utc_time.date())
    if offer is None:
        _raise_not_eligible(user_id=user_id, merchant_id=merchant_id)
    wallet = wallet_lock(user_id=user_id)  # before reading what the user earned: the cap holds under concurrency
    velocity_limit, velocity_window = parse_rate(settings.FRAUD_VELOCITY_LIMIT)
    stats = user_purchase_stats(
        user_id=user_id,
        offer_id=offer.id,
        month=utc_month(utc_time),
        window=(purchased_at - velocity_window, purchased_at),
    )
    breakdown, candidates = purchase_breakdown(
        user_id=user_id,
        offer=offer,
        amount=amount,
        purchased_at=purchased_at,
        stats=stats,
    )
    purchase_id = uuid.uuid4()
    breakdown = _book_campaign_bonus(breakdown, candidates, user_id=user_id, purchase_id=purchase_id)
    cashback = breakdown.cashback_amount
    reasons = fraud_flags(
        amount=amount,
        recent_purchases=stats.recent_purchases,
        velocity_limit=velocity_limit,
        review_amount=decimal_setting("FRAUD_REVIEW_AMOUNT"),
    )
    purchase = new_purchase(
        purchase_id=purchase_id,
        partner=partner,
        external_id=external_id,
        user_id=user_id,
        offer=offer,
        amount=amount,
        breakdown=breakdown,
        reasons=reasons,
        purchased_at=purchased_at,
        click=click,
        order_reference=order_reference,
    )
    created = outbox.pending(*created_event(purchase, actor=actor))
    counted = webhook_count_statement(partner_id=partner.id, outcome=WebhookOutcome.CREATED) if count_webhook else None
    _insert_with_audit(
        purchase, audit_event(purchase, action=PurchaseAction.CREATED, from_status="", actor=actor), created, counted
    )
    if cashback:  # the ledger records movements; a 0.00 purchase moves nothing
        wallet_post(wallet=wallet, entry_type=EntryType.CASHBACK_PENDING, pending=cashback, purchase_id=purchase.id)
    rollup_created(purchase)
    rollups_flush()  # last: the day rows are held only until the commit
    return purchase


def new_purchase(
    *,
    purchase_id: uuid.UUID,
    partner: Partner,
    external_id: str,
    user_id: uuid.UUID,
    offer: Offer,
    amount: Decimal,
    breakdown: Breakdown,
    reasons: list[str],
    purchased_at: datetime,
    click: Click | None,
    order_reference: str | None,
) -> Purchase:
    """The unsaved purchase an accepted `purchase.created` books (single and batch ingestion)."""
    return Purchase(
        id=purchase_id,
        external_id=external_id,
        partner=partner,
        user_id=user_id,
        merchant=offer.merchant,
        offer=offer,
        amount=amount,
        currency=settings.PLATFORM_CURRENCY,
        cashback_amount=breakdown.cashback_amount,
        cashback_base=breakdown.base,
        tier_bonus=breakdown.tier_bonus,
        campaign_bonus=breakdown.campaign_bonus,
        campaign_id=breakdown.campaign_id,
        cashback_terms=breakdown.terms_record(),
        flagged=bool(reasons),
        flag_reasons=reasons,
        purchased_at=purchased_at,
        tier_at_ingestion_id=breakdown.tier.id,
        points_multiplier=breakdown.tier.points_multiplier,
        click=click,
        order_reference=order_reference,
    )


def created_event(purchase: Purchase, *, actor: Actor) -> EventSpec:
    """The `purchase.created` outbox event of a new purchase."""
    return (
        "purchase.created",
        purchase.id,
        {
            "purchase_id": purchase.id,
            "external_id": purchase.external_id,
            "user_id": purchase.user_id,
            "merchant_id": purchase.merchant_id,
            "offer_id": purchase.offer_id,
            "amount": purchase.amount,
            "cashback_amount": purchase.cashback_amount,
            "cashback": breakdown_data(purchase),
            "flagged": purchase.flagged,
            "actor": actor,
        },
    )


def rollup_created(purchase: Purchase) -> None:
    """The day's figures of a new purchase."""
    rollup_add(
        day=purchase.created_at.astimezone(UTC).date(),
        user_id=purchase.user_id,
        merchant_id=purchase.merchant_id,
        active=True,
        purchases=1,
        click_purchases=1 if purchase.click_id else 0,
        amount=purchase.amount,
        cashback_booked=purchase.cashback_amount,
    )


def _insert_with_audit(
    purchase: Purchase, event: PurchaseEvent, created: OutboxEvent, counted: tuple[str, dict] | None = None
) -> None:
    """The new purchase, its `created` audit row, its `purchase.created` outbox row and, if
    `counted` (`webhook_count_statement`), the partner's health count, in one statement (one round
    trip, no queryset compiled: `clicknback.rawsql`); the unique external_id still decides
    duplicates. The counter row, taken after the wallet's lock, is held until the commit."""
    purchase_sql, purchase_params = rawsql.insert(purchase)
    event_sql, event_params = rawsql.insert(event)
    outbox_sql, outbox_params = rawsql.insert(created)
    count_sql, count_params = counted or ("", {})
    count_cte = f', "webhook_count" AS ({count_sql})' if counted else ""
    with connection.cursor() as cursor:
        cursor.execute(
            f'WITH "new_purchase" AS ({purchase_sql}), "new_event" AS ({event_sql}), '  # noqa: S608 - from rawsql
            f'"new_outbox" AS ({outbox_sql}){count_cte} SELECT * FROM "new_purchase", "new_event", "new_outbox"',
            purchase_params | event_params | outbox_params | count_params,
        )
        row = cursor.fetchone()
    rawsql.mark_saved(purchase, row)
    rawsql.mark_saved(event, row, rawsql.returned_width(Purchase))
    rawsql.mark_saved(created, row, rawsql.returned_width(Purchase) + rawsql.returned_width(PurchaseEvent))


def _raise_not_eligible(*, user_id: uuid.UUID, merchant_id: uuid.UUID) -> None:
    """Which of the three eligibility rules failed, in the contract's order (only on refusals)."""
    raise not_eligible(
        user_id=user_id,
        merchant_id=merchant_id,
        user_active=lambda: User.objects.filter(pk=user_id, is_active=True).exists(),
        merchant_active=lambda: Merchant.objects.filter(pk=merchant_id, status=MerchantStatus.ACTIVE).exists(),
    )


def not_eligible(
    *,
    user_id: uuid.UUID,
    merchant_id: uuid.UUID,
    user_active: Callable[[], bool],
    merchant_active: Callable[[], bool],
) -> DomainError:
    """The refusal of a purchase no offer covers: the first of the three eligibility rules failed."""
    if not user_active():
        return UserNotEligible(user_id=str(user_id))
    if not merchant_active():
        return MerchantNotEligible(merchant_id=str(merchant_id))
    return OfferNotAvailable(merchant_id=str(merchant_id))


def _book_campaign_bonus(
    breakdown: Breakdown,
    candidates: list[CampaignTerms],
    *,
    user_id: uuid.UUID,
    purchase_id: uuid.UUID,
) -> Breakdown:
    """Take the chosen campaign's bonus from its budget. When a concurrent purchase left the
    budget with less than was read, the engine decides again with what the budget did pay: the same
    campaign with that (a partly exhausted budget pays what is left), or another one (what was
    taken goes back, and the other is tried without waiting on its locked stripes)."""
    wait = True
    while breakdown.campaign is not None:
        chosen = breakdown.campaign
        taken = campaign_budget_take(
            campaign_id=chosen.id,
            user_id=user_id,
            purchase_id=purchase_id,
            amount=breakdown.campaign_bonus,
            limited=chosen.budget_left is not None,
            wait=wait,
        )
        if taken == breakdown.campaign_bonus:
            return breakdown
        candidates = [c.with_budget_left(taken) if c.id == chosen.id else c for c in candidates]
        again = breakdown_with_campaigns(breakdown, candidates)
        if taken and again.campaign_id == chosen.id:
            return again
        if taken:
            campaign_budget_give_back(purchase_id=purchase_id, forget=True)
        candidates = [c for c in candidates if c.id != chosen.id]
        breakdown, wait = breakdown_with_campaigns(breakdown, candidates), False
    return breakdown


@dataclass(frozen=True)
class CashbackQuote:
    offer_id: uuid.UUID
    currency: str
    breakdown: Breakdown
    points: int


def cashback_quote(
    *,
    merchant_id: uuid.UUID,
    amount: Decimal,
    user_id: uuid.UUID | None = None,
    click_id: str | None = None,
    purchased_at: datetime | None = None,
) -> CashbackQuote:
    """What ingestion would book for this purchase now (`POST /cashback/calculate`); writes
    nothing. The same checks in the same order, the same 422s, and the same engine
    (`purchase_breakdown`) over the same reads, only without the wallet lock."""
    now = timezone.now()
    purchased_at = purchased_at or now
    if purchased_at > now:
        raise ValidationError({"purchased_at": ["Must not be in the future."]})
    _check_amount(amount)
    if click_id is not None:
        user_id = _attributed_click(click_id, merchant_id=merchant_id, purchased_at=purchased_at).user_id
    offer = offer_for_purchase(user_id=user_id, merchant_id=merchant_id, on_date=purchased_at.astimezone(UTC).date())
    if offer is None:
        _raise_not_eligible(user_id=user_id, merchant_id=merchant_id)
    stats = user_purchase_stats(
        user_id=user_id, offer_id=offer.id, month=utc_month(purchased_at), window=(purchased_at, purchased_at)
    )
    breakdown, _ = purchase_breakdown(
        user_id=user_id, offer=offer, amount=amount, purchased_at=purchased_at, stats=stats
    )
    points = points_for(amount=amount, points_multiplier=breakdown.tier.points_multiplier)
    return CashbackQuote(offer.id, settings.PLATFORM_CURRENCY, breakdown, points)


def purchase_confirm(
    *,
    actor: Actor,
    purchase_id: uuid.UUID | None = None,
    external_id: str | None = None,
    partner: Partner | None = None,
) -> tuple[Purchase, bool]:
    """Confirm a pending purchase: its cashback moves from pending to available. Returns the
    purchase and whether this call changed it.

    Repeating it is a no-op; confirming a reversed purchase is `InvalidStateTransition`. A flagged
    purchase is confirmed only by staff (which clears the flag); anyone else's confirmation is
    remembered as `settlement_requested` and the purchase stays pending.
    """
    with transaction.atomic(durable=True):
        purchase = _lock_purchase(purchase_id=purchase_id, external_id=external_id, partner=partner)
        return purchase, _confirm_locked(purchase, actor=actor)


def _confirm_locked(purchase: Purchase, *, actor: Actor) -> bool:
    if purchase.flagged and purchase.status == PurchaseStatus.PENDING and actor.kind != ActorKind.ADMIN:
        if purchase.settlement_requested:
            return False
        purchase.settlement_requested = True
        purchase.save(update_fields=["settlement_requested"])
        audit_event(
            purchase, action=PurchaseAction.SETTLEMENT_REQUESTED, from_status=purchase.status, actor=actor
        ).save()
        return True
    return purchase_transition(purchase=purchase, to_status=PurchaseStatus.CONFIRMED, actor=actor)


def purchase_reverse(
    *,
    actor: Actor,
    reason: str = "",
    purchase_id: uuid.UUID | None = None,
    external_id: str | None = None,
    partner: Partner | None = None,
) -> tuple[Purchase, bool]:
    """Reverse a purchase: its cashback leaves the bucket it is in (pending, or available, which
    may go below zero). Returns the purchase and whether this call changed it; repeating it is a
    no-op."""
    with transaction.atomic(durable=True):
        purchase = _lock_purchase(purchase_id=purchase_id, external_id=external_id, partner=partner)
        changed = purchase_transition(purchase=purchase, to_status=PurchaseStatus.REVERSED, actor=actor, reason=reason)
    return purchase, changed


def purchase_clear_flag(*, purchase_id: uuid.UUID, actor: Actor) -> tuple[Purchase, bool]:
    """Staff reviewed a flagged purchase: clear the flag, and confirm it at once if the partner
    already asked to settle it. Returns the purchase and whether this call changed it; clearing
    an unflagged purchase is a no-op."""
    with transaction.atomic(durable=True):
        purchase = _lock_purchase(purchase_id=purchase_id)
        if not purchase.flagged:
            return purchase, False
        purchase.flagged = False
        purchase.save(update_fields=["flagged"])
        audit_event(purchase, action=PurchaseAction.FLAG_CLEARED, from_status=purchase.status, actor=actor).save()
        if purchase.settlement_requested and purchase.status == PurchaseStatus.PENDING:
            purchase_transition(purchase=purchase, to_status=PurchaseStatus.CONFIRMED, actor=actor)
    return purchase, True


def _lock_purchase(
    *, purchase_id: uuid.UUID | None = None, external_id: str | None = None, partner: Partner | None = None
) -> Purchase:
    """Lock one purchase row (not its merchant). A partner only reaches its own purchases; an
    external id names a purchase only together with its partner (unique per partner)."""
    queryset = Purchase.objects.select_for_update(of=("self",)).select_related("merchant")
    if purchase_id is not None:
        queryset = queryset.filter(pk=purchase_id)
    elif external_id is not None and partner is not None:
        queryset = queryset.filter(external_id=external_id)
    else:
        raise TypeError("purchase_id, or external_id with its partner, is required.")
    if partner is not None:
        queryset = queryset.filter(partner=partner)
    purchase = queryset.first()
    if purchase is None:
        raise NotFound("No such purchase.")
    return purchase


def purchases_confirm_due(*, actor: Actor, batch_size: int = 500, now: datetime | None = None) -> int:
    """Confirm one batch of due purchases (pending, unflagged, `purchased_at + confirmation_days`
    passed, reported at least MIN_PENDING_HOURS ago); return how many. Several copies run at
    once: each skips rows another has locked.

    One transaction per batch, a fixed number of queries whatever its size: lock the purchases,
    lock their wallets in `user_id` order, one UPDATE, one audit INSERT, the ledger in two queries.
    """
    now = now or timezone.now()
    reported_by = now - timedelta(hours=int(settings.MIN_PENDING_HOURS))
    due_at = ExpressionWrapper(
        F("purchased_at") + F("merchant__confirmation_days") * Value(timedelta(days=1)), output_field=DateTimeField()
    )
    with transaction.atomic(durable=True):
        batch = list(
            Purchase.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(status=PurchaseStatus.PENDING, flagged=False, purchased_at__lte=now, created_at__lte=reported_by)
            .alias(due_at=due_at)
            .filter(due_at__lte=now)
            .order_by("purchased_at")
            .only(
                "id",
                "external_id",
                "user_id",
                "merchant_id",
                "amount",
                "cashback_amount",
                "status",
                "cashback_status",
                "purchased_at",
                "points_multiplier",
            )[:batch_size]
        )
        if not batch:
            return 0
        planned = [(purchase, plan_transition(purchase, PurchaseStatus.CONFIRMED)) for purchase in batch]
        loyalty_follow_confirmations([purchase for purchase, _ in planned], actor=actor)  # before the wallets
        moving = [(purchase, plan) for purchase, plan in planned if plan.moves_money]
        wallets = wallets_lock(user_ids=[purchase.user_id for purchase, _ in moving])
        postings = [posting_for(plan, purchase=p, wallet=wallets[p.user_id]) for p, plan in moving]
        changed = {field for purchase, plan in planned for field in apply_plan_fields(purchase, plan, now=now)}
        # Every plan here is pending -> confirmed at one `now`, so every row gets the same values.
        Purchase.objects.filter(pk__in=[p.id for p in batch]).update(**{f: getattr(batch[0], f) for f in changed})
        PurchaseEvent.objects.bulk_create(
            [
                audit_event(p, action=PurchaseAction.CONFIRMED, from_status=plan.from_status, actor=actor, now=now)
                for p, plan in planned
            ]
        )
        wallet_post_many(postings=postings)
        outbox.record_many(transition_event(purchase, plan, actor=actor) for purchase, plan in planned)
        token_payouts_on_confirmation(cashbacks=[(p.user_id, plan.available_delta) for p, plan in moving], actor=actor)
        for purchase, plan in planned:
            rollup_transition(purchase, plan, now=now)
        rollups_flush()  # last: the day rows are held only until the commit
    return len(batch)
