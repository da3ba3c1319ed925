"""Ninety days of demo activity, so the dashboard's charts have shape and the queues look lived in.

Shoppers buy at the demo merchants every day; the confirmation job runs every third night; partners
reverse a few purchases; staff clear or reverse the flagged ones; shoppers withdraw their cashback
and staff complete or fail the payouts. Everything goes through the services in the order it
happened, each step with the clock moved to its moment (`time_machine`), so the purchases, their
events, the ledger entries and the payouts carry their dates and every wallet balances. The demo
partner's reports (a few retried, a few refused) are counted in its partner health day by day.

The story is drawn from a fixed random seed: the same every time for the same data. It is booked
once: a run that finds any of its purchases changes nothing (one query). It runs last
(`backoffice` is the last app), after the demo merchants, offers, partner and admin exist.
"""

from __future__ import annotations

import heapq
import itertools
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import TextIO

from django.conf import settings
from django.db import connection
from django.utils import timezone

from accounts.demo import DEMO_ADMIN, DEMO_PARTNER_NAME
from accounts.models import Partner, User, WebhookOutcome
from accounts.services import webhook_count
from clicknback.actors import Actor
from clicknback.errors import DomainError, DuplicatePurchase
from clicknback.money import decimal_setting
from merchants.demo import DEMO_MERCHANTS
from merchants.models import Merchant
from offers.selectors import offer_valid_on
from payouts.models import PayoutMethod
from payouts.services import payout_complete, payout_fail, payout_request
from purchases.demo import DEMO_MERCHANT
from purchases.models import Purchase
from purchases.services import purchase_clear_flag, purchase_ingest, purchase_reverse, purchases_confirm_due
from wallets.models import Wallet

HISTORY_DAYS = 90
EXTERNAL_ID_PREFIX = "demo-history-"
SEED = 19
SHOPPERS = (
    "anna.schmidt",
    "ben.okafor",
    "chloe.martin",
    "david.rossi",
    "elena.garcia",
    "farid.haddad",
    "greta.nilsson",
    "hugo.lefebvre",
)
# Amount ranges by merchant (EUR): what a basket there usually costs.
BASKETS = {
    "Acme Shoes": (40, 180),
    "Bookworm": (12, 60),
    "Gadget Hub": (40, 700),
    "Green Grocer": (15, 120),
    DEMO_MERCHANT: (30, 400),
}
FLAGGED_BASKET = (1100, 2400)  # above FRAUD_REVIEW_AMOUNT: the fraud queue reviews these
WITHDRAW_FROM = Decimal("20.00")  # a shopper withdraws once this much is available (at most WITHDRAW_AT_MOST)
WITHDRAW_AT_MOST = Decimal("150.00")
# Where the shoppers paying to a bank account are paid (valid IBANs, one each, none of the demo user's:
# the back-office warns of a destination shared by several users); the others use PayPal.
IBANS = ("NL91ABNA0417164300", "FR1420041010050500013M02606", "BE68539007547034", "ES9121000418450200051332")


@dataclass(order=True)
class _Step:
    at: datetime
    order: int
    run: Callable[[], None] = field(compare=False)


class _History:
    """The plan, a queue of steps in time order; a step may schedule later ones (a reversal, a payout's
    completion), dropped if they would fall after now."""

    def __init__(self, *, now: datetime, partner: Partner, admin: User) -> None:
        self.now, self.rng, self.queue, self.order = now, random.Random(SEED), [], itertools.count()
        self.partner_actor, self.staff = Actor.for_partner(partner), Actor.for_user(admin)
        self.partner = partner
        self.job = Actor.job("confirm_due_purchases")
        self.external_ids = (f"{EXTERNAL_ID_PREFIX}{n:04d}" for n in itertools.count(1))
        self.booked = {"purchases": 0, "payouts": 0}

    def at(self, moment: datetime, run: Callable[[], None]) -> None:
        if moment < self.now:
            heapq.heappush(self.queue, _Step(moment, next(self.order), run))

    def play(self) -> None:
        """Run the steps in time order. Each is a durable transaction of its own; waiting for each
        commit's disk flush would be most of the time, and a demo lost to a crash is made again."""
        import time_machine  # only the demo moves the clock

        with connection.cursor() as cursor:
            cursor.execute("SET synchronous_commit TO off")
        try:
            while self.queue:
                step = heapq.heappop(self.queue)
                with time_machine.travel(step.at, tick=False):
                    step.run()
        finally:
            with connection.cursor() as cursor:
                cursor.execute("RESET synchronous_commit")

    # What happens each day --------------------------------------------------------------------

    def plan_day(self, day: date, *, shoppers: list[User], merchants: dict[Merchant, date]) -> None:
        if day.toordinal() % 3 == 0:  # the job, every third night here: the same outcome, a third of the batches
            self.at(_moment(day, 2), self.confirm_due)
        open_merchants = [merchant for merchant, first_day in merchants.items() if first_day <= day]
        growth = (HISTORY_DAYS - (self.now.date() - day).days) / HISTORY_DAYS  # business grows over the quarter
        weekend = day.weekday() >= 5
        for _ in range(self.rng.randint(1, 3) + round(2 * growth) + (1 if weekend else 0)):
            if not open_merchants:
                break
            shopper, merchant = self.rng.choice(shoppers), self.rng.choice(open_merchants)
            flagged = self.rng.random() < 0.05
            low, high = FLAGGED_BASKET if flagged else BASKETS.get(merchant.name, (20, 200))
            amount = Decimal(self.rng.randint(low * 100, high * 100)).scaleb(-2)
            moment = _moment(day, self.rng.randint(8, 21), self.rng.randint(0, 59))
            self.at(moment, lambda s=shopper, m=merchant, a=amount, t=moment: self.buy(s, m, a, t))
        for index, shopper in enumerate(shoppers):
            if (day.toordinal() + index) % 9 == 0:  # each shopper looks at their wallet every nine days
                self.at(_moment(day, 20, 30), lambda s=shopper, i=index: self.withdraw(s, i))

    def confirm_due(self) -> None:
        while purchases_confirm_due(actor=self.job, now=timezone.now()):
            pass

    def report(self, **fields: object) -> Purchase | None:
        """The partner reports a purchase, counted in its health as the webhook counts it."""
        try:
            purchase = purchase_ingest(partner=self.partner, actor=self.partner_actor, **fields)
        except DuplicatePurchase:
            webhook_count(partner_id=self.partner.id, outcome=WebhookOutcome.DUPLICATE)
            return None
        except DomainError as refused:
            webhook_count(partner_id=self.partner.id, outcome=WebhookOutcome.REJECTED, code=refused.code)
            return None
        webhook_count(partner_id=self.partner.id, outcome=WebhookOutcome.CREATED)
        self.booked["purchases"] += 1
        return purchase

    def buy(self, shopper: User, merchant: Merchant, amount: Decimal, moment: datetime) -> None:
        fields = {
            "external_id": next(self.external_ids),
            "user_id": shopper.id,
            "merchant_id": merchant.id,
            "amount": amount,
            "purchased_at": moment - timedelta(minutes=self.rng.randint(1, 30)),
        }
        if self.rng.random() < 0.02:  # the partner's shop in the US slips one through: refused
            self.report(**fields, currency="USD")
            return
        purchase = self.report(**fields, currency=settings.PLATFORM_CURRENCY)
        if purchase is None:
            return
        if self.rng.random() < 0.05:  # the partner retries a delivery it believes lost: a duplicate
            retry = moment + timedelta(minutes=self.rng.randint(1, 50))
            self.at(retry, lambda: self.report(**fields, currency=settings.PLATFORM_CURRENCY))
        later = moment + timedelta(days=self.rng.randint(1, 3), hours=self.rng.randint(0, 6))
        if purchase.flagged:
            if self.rng.random() < 0.6:
                self.at(later, lambda: purchase_clear_flag(purchase_id=purchase.id, actor=self.staff))
            else:
                self.at(later, lambda: self.reverse(purchase, "Stolen card reported by the issuer.", self.staff))
        elif self.rng.random() < 0.07:
            self.at(later, lambda: self.reverse(purchase, "Order cancelled by the customer.", self.partner_actor))

    def reverse(self, purchase: Purchase, reason: str, actor: Actor) -> None:
        purchase_reverse(purchase_id=purchase.id, reason=reason, actor=actor)
        if actor is self.partner_actor:
            webhook_count(partner_id=self.partner.id, outcome=WebhookOutcome.UPDATED)

    def withdraw(self, shopper: User, index: int) -> None:
        available = Wallet.objects.filter(user=shopper).values_list("available", flat=True).first() or Decimal(0)
        if available < max(WITHDRAW_FROM, decimal_setting("MIN_PAYOUT_AMOUNT")):
            return
        amount = min(available // 5 * 5, WITHDRAW_AT_MOST)
        method, destination = (
            (PayoutMethod.PAYPAL, shopper.email) if index % 2 else (PayoutMethod.BANK_TRANSFER, IBANS[index // 2 % 4])
        )
        payout = payout_request(user=shopper, amount=amount, method=method, destination=destination)
        self.booked["payouts"] += 1
        later = timezone.now() + timedelta(days=self.rng.randint(1, 3), hours=self.rng.randint(0, 8))
        if self.rng.random() < 0.85:
            self.at(later, lambda: payout_complete(payout_id=payout.id, actor=self.staff))
        else:
            reason = "The bank refused the transfer: account closed."
            self.at(later, lambda: payout_fail(payout_id=payout.id, reason=reason, actor=self.staff))


def _moment(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=timezone.get_current_timezone())


def seed(out: TextIO) -> None:
    partner = Partner.objects.get(name=DEMO_PARTNER_NAME)
    if Purchase.objects.filter(partner=partner, external_id__startswith=EXTERNAL_ID_PREFIX).exists():
        return
    now = timezone.now()
    history = _History(now=now, partner=partner, admin=User.objects.get(email__iexact=DEMO_ADMIN[0]))
    shoppers = _shoppers(since=now - timedelta(days=HISTORY_DAYS + 10))
    merchants = _merchants_on_offer(today=now.date())
    for days_ago in range(HISTORY_DAYS, -1, -1):  # today too, up to now
        history.plan_day(now.date() - timedelta(days=days_ago), shoppers=shoppers, merchants=merchants)
    history.play()
    out.write(
        f"History: {history.booked['purchases']} purchases and {history.booked['payouts']} payouts "
        f"of {len(shoppers)} shoppers over the last {HISTORY_DAYS} days\n"
    )


def _shoppers(*, since: datetime) -> list[User]:
    """The demo shoppers (made here when missing, one save each so the day's `users.new` rollup counts
    them as any sign-up: a bulk INSERT sends no post_save; they never log in: no usable password)."""
    emails = [f"{name}@example.com" for name in SHOPPERS]
    existing = set(User.objects.filter(email__in=emails).values_list("email", flat=True))
    for email in emails:
        if email not in existing:
            User.objects.create_user(email, None, created_at=since)
    return list(User.objects.filter(email__in=emails).order_by("email"))


def _merchants_on_offer(*, today: date) -> dict[Merchant, date]:
    """Each demo merchant with the first day of its current offer: purchases before it would be refused."""
    names = [name for name, *_ in DEMO_MERCHANTS] + [DEMO_MERCHANT]
    merchants = {}
    for merchant in Merchant.objects.filter(name__in=names).order_by("name"):
        offer = offer_valid_on(merchant_id=merchant.id, on_date=today)
        if offer is not None:
            merchants[merchant] = offer.starts_on
    return merchants
