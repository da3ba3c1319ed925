"""Batch ingestion (`POST /webhooks/purchases/batch`): many partner events in one transaction, each
with exactly the outcome it would get sent alone, one after another, in batch order.

Set-based, a fixed number of statements whatever the batch's size:
1. reads and locks, in the lock order of the single webhook: the partner's purchases the batch names
   (`FOR UPDATE`, by id), the clicks, users, merchants and offers, the loyalty rows (before the
   wallets, as confirmations take them), the wallets (`user_id` order), the users' purchases in
   the months and velocity windows concerned, the campaigns, their bonuses and stripes (after the
   wallets), the holders of the order references;
2. every event decided in memory, in order, by the same rules the single webhook runs (the
   cashback engine, the fraud rules, the state machine's plans), each decision updating the
   state the next one reads (caps, velocity, campaign budgets and uses, tiers, statuses);
3. the writes, multi-row: purchases (new ones in their final state), audit rows, ledger entries,
   campaign stripes and bonuses, loyalty, outbox rows, token payouts, rollups.

Refused events write nothing. A purchase or order reference inserted meanwhile by another
transaction makes the INSERT fail: the whole batch is then decided again, once the conflicting
rows are visible (they answer 409). Reversals of confirmed purchases claw back together
(`loyalty_on_reversed`, under the loyalty locks taken in step 1): no statement per event.

Where a batch knowingly differs from its events sent one by one (purchases, wallets, ledgers and
points balances are the same): one `now` for every event; a campaign bonus is paid from the
stripes in slot order; the batch's confirmations earn their points before its reversals of
confirmed purchases claw back (a user's debt may differ, never the balance), and spend crossing two
tiers in one batch is one tier change; the outbox holds the loyalty events of the confirmations
before the purchases' events. A wallet balance overflowing its column (`AmountTooLarge`, beyond
10^12) refuses the whole batch instead of the one event.
"""

from __future__ import annotations

import copy
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from rest_framework.exceptions import APIException

from accounts.models import Partner, User
from campaigns.models import Campaign
from campaigns.rules import CampaignTerms
from campaigns.selectors import CampaignPool, campaign_pool
from campaigns.services import CampaignBudgetBook
from chain.tokens import token_payouts_on_confirmation
from clicknback.actors import Actor
from clicknback.errors import DuplicatePurchase, NotFound
from clicknback.integrity import violated_constraint
from clicknback.money import ZERO, decimal_setting
from clicknback.rollups import rollups_flush
from clicks.models import Click
from events import outbox
from events.outbox import EventSpec
from loyalty.services import TierTrack, loyalty_batch_lock
from merchants.models import Merchant, MerchantStatus
from offers.models import Offer, OfferStatus
from purchases.cashback import CashbackTerms, TierTerms, cashback_breakdown
from purchases.fraud import fraud_flags, parse_rate
from purchases.models import Purchase, PurchaseAction, PurchaseEvent, PurchaseStatus
from purchases.selectors import utc_month
from purchases.serializers import EVENT_CONFIRMED, EVENT_CREATED
from purchases.services import (
    EXTERNAL_ID_CONSTRAINT,
    ORDER_CONSTRAINT,
    check_click,
    check_reported,
    created_event,
    new_purchase,
    not_eligible,
    rollup_created,
)
from purchases.state_machine import (
    ACTION_FOR,
    apply_plan_fields,
    audit_event,
    loyalty_follow_confirmations,
    loyalty_follow_reversals,
    plan_transition,
    posting_for,
    rollup_transition,
    transition_event,
)
from wallets.models import EntryType
from wallets.services import Posting, wallet_post_many, wallets_lock

# Attempts at a batch whose INSERT met rows committed meanwhile (each attempt sees more of them).
ATTEMPTS = 3
UPDATED_FIELDS = [
    "status",
    "cashback_status",
    "confirmed_at",
    "reversed_at",
    "reversal_reason",
    "flagged",
    "settlement_requested",
]


@dataclass
class Outcome:
    """One event's answer: its status and the purchase, or the refusal."""

    status: int
    purchase: Purchase | None = None
    error: Exception | None = None


def purchases_ingest_batch(*, partner: Partner, events: list[dict[str, Any]], actor: Actor) -> list[Outcome]:
    """Apply the partner's events (each `WebhookInputSerializer.validated_data`) in order, in one
    transaction; one outcome per event. A refused event changes nothing, and never undoes another."""
    for attempt in range(ATTEMPTS):
        try:
            with transaction.atomic(durable=True):
                return _Batch(partner=partner, events=events, actor=actor).run()
        except IntegrityError as exc:
            if violated_constraint(exc) not in (EXTERNAL_ID_CONSTRAINT, ORDER_CONSTRAINT) or attempt == ATTEMPTS - 1:
                raise
    raise AssertionError("unreachable")


@dataclass
class _Row:
    """A purchase as the monthly cap and the velocity count read it."""

    user_id: uuid.UUID
    offer_id: uuid.UUID
    purchased_at: datetime
    cashback_base: Decimal
    status: str


@dataclass
class _Writes:
    created: list[Purchase] = field(default_factory=list)
    updated: dict[uuid.UUID, Purchase] = field(default_factory=dict)
    audits: list[PurchaseEvent] = field(default_factory=list)
    postings: list[Posting] = field(default_factory=list)
    events: list[EventSpec] = field(default_factory=list)
    confirmed: list[Purchase] = field(default_factory=list)
    unconfirmed: list[Purchase] = field(default_factory=list)  # confirmed purchases reversed
    payouts: list[tuple[uuid.UUID, Decimal]] = field(default_factory=list)


class _Batch:
    def __init__(self, *, partner: Partner, events: list[dict[str, Any]], actor: Actor) -> None:
        self.partner, self.events, self.actor = partner, events, actor
        self.now = timezone.now()
        self.velocity_limit, self.velocity_window = parse_rate(settings.FRAUD_VELOCITY_LIMIT)
        self.review_amount = decimal_setting("FRAUD_REVIEW_AMOUNT")
        self.writes = _Writes()

    # --- 1. reads and locks -------------------------------------------------------------------

    def _read(self) -> None:
        created = [e for e in self.events if e["event"] == EVENT_CREATED]
        external_ids = sorted({e["external_id"] for e in self.events})
        self.purchases: dict[str, Purchase] = {
            p.external_id: p
            for p in Purchase.objects.select_for_update(of=("self",))
            .select_related("merchant")
            .filter(partner=self.partner, external_id__in=external_ids)
            .order_by("id")
        }
        click_ids = {e["click_id"] for e in created if e.get("click_id")}
        self.clicks = {c.id: c for c in Click.objects.filter(pk__in=click_ids)} if click_ids else {}
        user_ids = {e["user_id"] for e in created if e.get("user_id")} | {c.user_id for c in self.clicks.values()}
        self.active_users = set(User.objects.filter(pk__in=user_ids, is_active=True).values_list("pk", flat=True))
        merchant_ids = {e["merchant_id"] for e in created}
        self.merchants = {m.id: m for m in Merchant.objects.filter(pk__in=merchant_ids)}
        self.offers: dict[uuid.UUID, list[Offer]] = defaultdict(list)
        for offer in Offer.objects.filter(merchant_id__in=merchant_ids, status=OfferStatus.ACTIVE).order_by(
            "-starts_on"
        ):
            offer.merchant = self.merchants[offer.merchant_id]
            self.offers[offer.merchant_id].append(offer)
        # Whoever may earn or move money in this batch: loyalty rows first, then wallets.
        users = sorted(self.active_users | {p.user_id for p in self.purchases.values()})
        self.tiers: dict[uuid.UUID, TierTrack] = loyalty_batch_lock(
            user_ids=users, confirming=self._confirming(created)
        )
        self.wallets = wallets_lock(user_ids=users)
        moments = [e.get("purchased_at") or self.now for e in created]
        self.rows: dict[uuid.UUID, _Row] = {}
        self.user_rows: dict[uuid.UUID, list[_Row]] = defaultdict(list)
        if moments:
            first = min(min(utc_month(m)[0], m - self.velocity_window) for m in moments)
            last = max(moments)
            for pid, *values in Purchase.objects.filter(
                user_id__in=list(self.active_users), purchased_at__gte=first, purchased_at__lt=utc_month(last)[1]
            ).values_list("id", "user_id", "offer_id", "purchased_at", "cashback_base", "status"):
                self.rows[pid] = row = _Row(*values)
                self.user_rows[row.user_id].append(row)
            self.pool = campaign_pool(
                user_ids=list(self.active_users), merchant_ids=list(merchant_ids), first=min(moments), last=last
            )
        else:
            self.pool = CampaignPool([], {})
        self.book = CampaignBudgetBook(
            campaigns=self.pool.campaigns,
            user_ids=self.active_users,
            purchase_ids=[p.id for p in self.purchases.values() if p.campaign_id is not None],
        )
        references = {e["order_reference"] for e in created if e.get("order_reference")}
        self.orders: dict[tuple[uuid.UUID, str], uuid.UUID] = {}
        if references:
            holders = (
                Purchase.objects.filter(merchant_id__in=merchant_ids, order_reference__in=references)
                .exclude(status=PurchaseStatus.REVERSED)
                .values_list("merchant_id", "order_reference", "id")
            )
            self.orders = {(m, ref): pid for m, ref, pid in holders}

    def _confirming(self, created: list[dict[str, Any]]) -> set[uuid.UUID]:
        """The users whose purchases the batch's `purchase.confirmed` events name (existing, or
        reported earlier in the batch)."""
        confirmed = {e["external_id"] for e in self.events if e["event"] == EVENT_CONFIRMED}
        users = {p.user_id for p in self.purchases.values() if p.external_id in confirmed}
        for event in created:
            click = self.clicks.get(event.get("click_id") or "")
            user_id = click.user_id if click else event.get("user_id")
            if event["external_id"] in confirmed and user_id in self.active_users:
                users.add(user_id)
        return users

    # --- 2. each event in memory ----------------------------------------------------------------

    def run(self) -> list[Outcome]:
        self._read()
        outcomes = []
        for event in self.events:
            try:
                outcomes.append(self._decide(event))
            except APIException as exc:  # a refusal (domain error or 400): this event writes nothing
                if exc.status_code >= 500:
                    raise
                outcomes.append(Outcome(exc.status_code, error=exc))
        self._write()
        return outcomes

    def _decide(self, event: dict[str, Any]) -> Outcome:
        """The event's outcome, with the purchase as it is after this event (a later event of the
        batch may change it further)."""
        if event["event"] == EVENT_CREATED:
            return Outcome(201, copy.copy(self._create(event)))
        purchase = self.purchases.get(event["external_id"])
        if purchase is None:
            raise NotFound("No such purchase.")
        if event["event"] == EVENT_CONFIRMED:
            self._confirm(purchase)
        else:
            self._transition(purchase, PurchaseStatus.REVERSED, reason=event.get("reason", ""))
        return Outcome(200, copy.copy(purchase))

    def _create(self, event: dict[str, Any]) -> Purchase:
        purchased_at = event.get("purchased_at") or self.now
        merchant_id = event["merchant_id"]
        check_reported(purchased_at=purchased_at, currency=event["currency"], amount=event["amount"], now=self.now)
        click = None
        if event.get("click_id"):
            click_id = event["click_id"]
            click = check_click(
                self.clicks.get(click_id), click_id=click_id, merchant_id=merchant_id, purchased_at=purchased_at
            )
        user_id = click.user_id if click else event["user_id"]
        offer = self._offer(user_id, merchant_id, purchased_at.astimezone(UTC).date())
        duplicate = self.purchases.get(event["external_id"])
        if duplicate is not None:
            raise DuplicatePurchase(purchase_id=str(duplicate.id))
        reference = event.get("order_reference")
        holder = self.orders.get((merchant_id, reference)) if reference else None
        if holder is not None:
            raise DuplicatePurchase(purchase_id=str(holder))
        breakdown = cashback_breakdown(
            offer=CashbackTerms.from_offer(offer),
            tier=TierTerms.from_tier(self.tiers[user_id].tier),
            campaigns=self._candidates(user_id, merchant_id, purchased_at),
            amount=event["amount"],
            earned_this_month=self._earned(user_id, offer.id, purchased_at),
        )
        purchase_id = uuid.uuid4()
        if breakdown.campaign is not None:  # the budget is locked: what the engine chose is there
            self.book.take(
                campaign_id=breakdown.campaign.id,
                user_id=user_id,
                purchase_id=purchase_id,
                amount=breakdown.campaign_bonus,
            )
        purchase = new_purchase(
            purchase_id=purchase_id,
            partner=self.partner,
            external_id=event["external_id"],
            user_id=user_id,
            offer=offer,
            amount=event["amount"],
            breakdown=breakdown,
            reasons=fraud_flags(
                amount=event["amount"],
                recent_purchases=self._recent(user_id, purchased_at),
                velocity_limit=self.velocity_limit,
                review_amount=self.review_amount,
            ),
            purchased_at=purchased_at,
            click=click,
            order_reference=reference,
        )
        self.purchases[purchase.external_id] = purchase
        self.rows[purchase.id] = row = _Row(user_id, offer.id, purchased_at, breakdown.base, purchase.status)
        self.user_rows[user_id].append(row)
        if reference:
            self.orders[(merchant_id, reference)] = purchase.id
        writes = self.writes
        writes.created.append(purchase)
        writes.audits.append(audit_event(purchase, action=PurchaseAction.CREATED, from_status="", actor=self.actor))
        writes.events.append(created_event(purchase, actor=self.actor))
        if purchase.cashback_amount:
            writes.postings.append(
                Posting(
                    self.wallets[user_id],
                    EntryType.CASHBACK_PENDING,
                    pending=purchase.cashback_amount,
                    purchase_id=purchase.id,
                )
            )
        rollup_created(purchase)
        return purchase

    def _offer(self, user_id: uuid.UUID, merchant_id: uuid.UUID, on_date: Any) -> Offer:
        """`offer_for_purchase`, from what was read."""
        merchant = self.merchants.get(merchant_id)
        if user_id in self.active_users and merchant is not None and merchant.status == MerchantStatus.ACTIVE:
            for offer in self.offers[merchant_id]:  # newest start first
                if offer.starts_on <= on_date <= offer.ends_on:
                    return offer
        raise not_eligible(
            user_id=user_id,
            merchant_id=merchant_id,
            user_active=lambda: user_id in self.active_users,
            merchant_active=lambda: merchant is not None and merchant.status == MerchantStatus.ACTIVE,
        )

    def _earned(self, user_id: uuid.UUID, offer_id: uuid.UUID, at: datetime) -> Decimal:
        """`user_purchase_stats`' monthly-cap sum."""
        start, end = utc_month(at)
        return sum(
            (
                r.cashback_base
                for r in self.user_rows[user_id]
                if r.offer_id == offer_id and start <= r.purchased_at < end and r.status != PurchaseStatus.REVERSED
            ),
            ZERO,
        )

    def _recent(self, user_id: uuid.UUID, at: datetime) -> int:
        """`user_purchase_stats`' velocity count."""
        start = at - self.velocity_window
        return sum(1 for r in self.user_rows[user_id] if start < r.purchased_at <= at)

    def _candidates(self, user_id: uuid.UUID, merchant_id: uuid.UUID, at: datetime) -> list[CampaignTerms]:
        """`campaign_candidates`, from what was read and what the batch took so far."""
        campaigns: list[Campaign] = self.pool.candidates(
            user_id=user_id, merchant_id=merchant_id, at=at, uses=lambda cid: self.book.user_uses(cid, user_id)
        )
        return [CampaignTerms.from_campaign(c, budget_left=self.book.budget_left(c.id)) for c in campaigns]

    def _confirm(self, purchase: Purchase) -> None:
        """`purchase_confirm` by a partner: a flagged pending purchase only records the request."""
        if purchase.flagged and purchase.status == PurchaseStatus.PENDING:
            if not purchase.settlement_requested:
                purchase.settlement_requested = True
                self._updated(purchase)
                self.writes.audits.append(
                    audit_event(
                        purchase,
                        action=PurchaseAction.SETTLEMENT_REQUESTED,
                        from_status=purchase.status,
                        actor=self.actor,
                    )
                )
            return
        self._transition(purchase, PurchaseStatus.CONFIRMED)

    def _transition(self, purchase: Purchase, to_status: str, *, reason: str = "") -> None:
        """`purchase_transition`, its writes queued."""
        plan = plan_transition(purchase, to_status)
        if plan is None:
            return
        writes = self.writes
        track = self.tiers[purchase.user_id]
        if plan.to_status == PurchaseStatus.CONFIRMED:
            writes.confirmed.append(purchase)
            track.confirmed(amount=purchase.amount, purchased_at=purchase.purchased_at)
        elif plan.from_status == PurchaseStatus.CONFIRMED:
            writes.unconfirmed.append(purchase)
            track.reversed(amount=purchase.amount, purchased_at=purchase.purchased_at)
        if plan.moves_money:
            writes.postings.append(posting_for(plan, purchase=purchase, wallet=self.wallets[purchase.user_id]))
        if plan.to_status == PurchaseStatus.REVERSED:
            if purchase.campaign_bonus:
                self.book.give_back(purchase_id=purchase.id)
            if purchase.id in self.rows:
                self.rows[purchase.id].status = PurchaseStatus.REVERSED
            if purchase.order_reference:
                self.orders.pop((purchase.merchant_id, purchase.order_reference), None)
        apply_plan_fields(purchase, plan, now=self.now, reason=reason)
        self._updated(purchase)
        writes.audits.append(
            audit_event(
                purchase, action=ACTION_FOR[to_status], from_status=plan.from_status, actor=self.actor, reason=reason
            )
        )
        writes.events.append(transition_event(purchase, plan, actor=self.actor))
        if plan.to_status == PurchaseStatus.CONFIRMED and plan.moves_money:
            writes.payouts.append((purchase.user_id, plan.available_delta))
        rollup_transition(purchase, plan, now=self.now)

    def _updated(self, purchase: Purchase) -> None:
        if not purchase._state.adding:  # new purchases are inserted as they end the batch
            self.writes.updated[purchase.id] = purchase

    # --- 3. the writes --------------------------------------------------------------------------

    def _write(self) -> None:
        writes = self.writes
        loyalty_follow_confirmations(writes.confirmed, actor=self.actor)
        loyalty_follow_reversals(writes.unconfirmed, locked=True)
        if writes.created:
            Purchase.objects.bulk_create(writes.created)
        if writes.updated:
            Purchase.objects.bulk_update(list(writes.updated.values()), UPDATED_FIELDS)
        PurchaseEvent.objects.bulk_create(writes.audits)
        wallet_post_many(postings=writes.postings)
        self.book.save()
        outbox.record_many(writes.events)
        token_payouts_on_confirmation(cashbacks=writes.payouts, actor=self.actor)
        rollups_flush()  # last: the day rows are held only until the commit
