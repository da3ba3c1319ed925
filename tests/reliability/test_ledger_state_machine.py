"""Stateful ledger test: hypothesis drives random sequences of the money services (ingest, confirm,
reverse, clear a flag, the confirmation job, payout request/complete/fail, points redemption, a lot's
date moving, the expiry job) for several users, two merchants and capped offers, against a
deliberately simple model of what every balance must be. Confirmation earns points (and tiers, with
their bonuses); reversing a confirmed purchase claws them back.

After every step: each wallet equals its model and the sum of its entries, `pending` and `paid` are
never negative, no purchase moved money twice, no monthly cap is exceeded; each points account
equals its model (balance, debt, lifetime figures, every lot, tier and qualifying spend), its
balance = Σ entries = Σ lots left - debt, its lifetime figures are the sums of its entries, and no lot
holds less than zero or more than its points. Real PostgreSQL, real transactions
(`transaction=True`); every example starts from empty tables.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_DOWN, ROUND_FLOOR, ROUND_HALF_EVEN, Decimal

import pytest
from django.conf import settings as django_settings
from django.db import connection
from django.db.models import F, Q, Sum
from django.test import override_settings
from django.utils import timezone
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    initialize,
    invariant,
    multiple,
    precondition,
    rule,
    run_state_machine_as_test,
)

from accounts.tests.factories import AdminFactory, PartnerFactory, UserFactory
from clicknback.actors import Actor
from clicknback.errors import (
    BelowMinimumPayout,
    BelowMinimumRedemption,
    DuplicatePurchase,
    InsufficientBalance,
    InsufficientPoints,
    InvalidStateTransition,
)
from clicknback.models import IdempotencyKey
from clicknback.money import ZERO
from loyalty.models import (
    PointsAccount,
    PointsEntry,
    PointsEntryType,
    PointsLot,
    Redemption,
    RedemptionAllocation,
    Tier,
    TierChange,
    UserLoyalty,
)
from loyalty.selectors import points_discrepancies
from loyalty.services import points_expire, points_redeem
from merchants.models import Merchant
from merchants.tests.factories import MerchantFactory
from offers.models import CashbackType, Offer
from offers.tests.factories import OfferFactory
from payouts.models import Payout, PayoutEvent
from payouts.services import payout_complete, payout_fail, payout_request
from purchases.models import Purchase, PurchaseEvent, PurchaseStatus
from purchases.services import (
    purchase_clear_flag,
    purchase_confirm,
    purchase_ingest,
    purchase_reverse,
    purchases_confirm_due,
)
from tests.reliability.conftest import RUN_FIGURES
from tests.reliability.invariants import (
    assert_ledger_consistent,
    assert_no_monthly_cap_exceeded,
    assert_no_purchase_rewarded_twice,
)
from wallets.models import Wallet, WalletEntry
from wallets.tests.helpers import fund_wallet

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

CENT = Decimal("0.01")
MONEY_TABLES = [
    model._meta.db_table
    for model in (WalletEntry, Wallet, PurchaseEvent, Purchase, IdempotencyKey, PayoutEvent, Payout, Offer, Merchant)
]
POINTS_TABLES = [
    model._meta.db_table
    for model in (
        PointsEntry,
        RedemptionAllocation,
        Redemption,
        PointsLot,
        PointsAccount,
        TierChange,
        UserLoyalty,
    )
]
amounts = st.one_of(
    st.sampled_from([Decimal("0.05"), Decimal("33.33"), Decimal("150.00"), Decimal("1000.00")]),
    st.decimals(min_value=CENT, max_value=Decimal("1200.00"), places=2),
)
_external_ids = itertools.count(1)


@dataclass
class ModelPurchase:
    id: object
    external_id: str
    user: int
    merchant: int
    cashback: Decimal  # base + tier bonus
    base: Decimal  # what the monthly cap counts
    purchased_at: datetime
    reported_at: datetime
    amount: Decimal
    points: int  # what confirmation earns, at the tier of ingestion
    status: str = PurchaseStatus.PENDING
    flagged: bool = False
    settlement_requested: bool = False


@dataclass
class ModelLot:
    points: int
    left: int
    expires_on: date


@dataclass
class ModelPoints:
    """One user's loyalty: lots by what made them (a purchase id, or the name of a bonus's tier)."""

    tier: int = 0
    spend: Decimal = ZERO
    debt: int = 0
    earned: int = 0
    redeemed: int = 0
    expired: int = 0
    lots: dict[object, ModelLot] = field(default_factory=dict)

    @property
    def balance(self) -> int:
        return sum(lot.left for lot in self.lots.values()) - self.debt

    def credit(self, key: object, points: int) -> None:
        """Earnings pay the debt first; what is left makes a lot."""
        paid = min(points, self.debt)
        self.debt -= paid
        self.earned += points
        if points > paid:
            expires_on = timezone.now().date() + timedelta(days=django_settings.POINTS_TTL_DAYS)
            self.lots[key] = ModelLot(points - paid, points - paid, expires_on)


@dataclass
class ModelPayout:
    id: object
    user: int
    amount: Decimal
    status: str = "requested"


class LedgerMachine(RuleBasedStateMachine):
    purchases = Bundle("purchases")
    payouts = Bundle("payouts")

    def __init__(self) -> None:
        super().__init__()
        with connection.cursor() as cursor:
            cursor.execute(f"TRUNCATE {', '.join(MONEY_TABLES + POINTS_TABLES)} CASCADE")
        self.users = [UserFactory() for _ in range(3)]
        self.admin = AdminFactory()
        self.partner = PartnerFactory()
        # Merchant 0 settles at once (the job confirms right away), merchant 1 after 30 days.
        self.merchants = [MerchantFactory(confirmation_days=0), MerchantFactory(confirmation_days=30)]
        self.offers = [
            OfferFactory(
                merchant=self.merchants[0], cashback_value=Decimal("10.00"), monthly_cap_per_user=Decimal("25.00")
            ),
            OfferFactory(
                merchant=self.merchants[1],
                cashback_type=CashbackType.FIXED,
                cashback_value=Decimal("7.50"),
                monthly_cap_per_user=Decimal("20.00"),
                min_purchase_amount=Decimal("5.00"),
            ),
        ]
        self.past = timezone.now() - timedelta(days=40)  # old enough for merchant 1 to be due
        self.balances = {index: [ZERO, ZERO, ZERO] for index in range(len(self.users))}  # pending, available, paid
        self.model_purchases: dict[object, ModelPurchase] = {}
        self.model_payouts: dict[object, ModelPayout] = {}
        self.tiers = list(Tier.objects.order_by("min_spend"))
        self.points = {index: ModelPoints() for index in range(len(self.users))}
        RUN_FIGURES["stateful examples"] += 1

    # --- the model's rules, written plainly --------------------------------------------------

    def _expected_cashback(
        self, *, user: int, merchant: int, amount: Decimal, purchased_at: datetime
    ) -> tuple[Decimal, Decimal]:
        """(base, base + tier bonus): the offer's rules with the monthly cap on the bases alone, then
        the boost of the user's tier at ingestion (api-v1-rewards.md, "The cashback breakdown")."""
        offer = self.offers[merchant]
        if offer.min_purchase_amount is not None and amount < offer.min_purchase_amount:
            return ZERO, ZERO
        if offer.cashback_type == CashbackType.PERCENT:
            raw = (amount * offer.cashback_value / 100).quantize(CENT, rounding=ROUND_HALF_EVEN)
        else:
            raw = offer.cashback_value
        month = purchased_at.astimezone(UTC).strftime("%Y-%m")
        earned = sum(
            (
                p.base
                for p in self.model_purchases.values()
                if p.user == user
                and p.merchant == merchant
                and p.status != PurchaseStatus.REVERSED
                and p.purchased_at.astimezone(UTC).strftime("%Y-%m") == month
            ),
            ZERO,
        )
        base = max(ZERO, min(raw, amount, offer.monthly_cap_per_user - earned))
        boost = self.tiers[self.points[user].tier].cashback_boost_percent
        tier_bonus = min((base * boost / 100).quantize(CENT, rounding=ROUND_HALF_EVEN), amount - base)
        return base, base + tier_bonus

    def _expected_flag(self, *, user: int, amount: Decimal, purchased_at: datetime) -> bool:
        limit = int(django_settings.FRAUD_VELOCITY_LIMIT.split("/")[0])
        recent = sum(
            1
            for p in self.model_purchases.values()
            if p.user == user and purchased_at - timedelta(hours=1) < p.purchased_at <= purchased_at
        )
        return recent + 1 > limit or amount >= django_settings.FRAUD_REVIEW_AMOUNT

    def _move(self, purchase: ModelPurchase, to_status: str) -> None:
        balance = self.balances[purchase.user]
        if purchase.status == PurchaseStatus.PENDING:
            balance[0] -= purchase.cashback
        else:
            balance[1] -= purchase.cashback
            self._claw_back(purchase)
        if to_status == PurchaseStatus.CONFIRMED:
            balance[1] += purchase.cashback
            purchase.flagged = False
            self._earn([purchase])
        purchase.status = to_status

    def _earn(self, confirmed: list[ModelPurchase]) -> None:
        """Points for purchases confirmed together, in the order given; then, per user, the tiers
        their spend reaches, with each passed tier's bonus (once) after the batch's earnings."""
        for purchase in confirmed:
            points = self.points[purchase.user]
            if purchase.points:
                points.credit(purchase.id, purchase.points)
            points.spend += purchase.amount
        for user in sorted({purchase.user for purchase in confirmed}):
            points = self.points[user]
            reached = max(i for i, tier in enumerate(self.tiers) if tier.min_spend <= points.spend)
            for tier in self.tiers[points.tier + 1 : reached + 1]:
                if tier.upgrade_bonus_points:
                    points.credit(tier.name, tier.upgrade_bonus_points)
            points.tier = max(points.tier, reached)

    def _claw_back(self, purchase: ModelPurchase) -> None:
        """A confirmed purchase reversed: its spend leaves (the tier stays), its points come back
        from its own lot first; what the lot no longer holds becomes a debt."""
        points = self.points[purchase.user]
        points.spend = max(points.spend - purchase.amount, ZERO)
        lot = points.lots.get(purchase.id)
        taken = min(lot.left, purchase.points) if lot else 0
        if lot:
            lot.left -= taken
        points.debt += purchase.points - taken

    def _lot_ids(self, user: int) -> dict[object, int]:
        """The model's lot keys to the database's lot ids (the ids only break ties of equal dates)."""
        rows = PointsEntry.objects.filter(
            account__user=self.users[user],
            lot__isnull=False,
            type__in=[PointsEntryType.EARNED, PointsEntryType.UPGRADE_BONUS],
        ).values_list("lot_id", "purchase_id", "bonus_tier__name")
        return {purchase_id or tier_name: lot_id for lot_id, purchase_id, tier_name in rows}

    # --- rules ------------------------------------------------------------------------------

    @initialize(funded=st.lists(st.sampled_from([ZERO, Decimal("15.00"), Decimal("60.00")]), min_size=3, max_size=3))
    def fund(self, funded: list[Decimal]) -> None:
        """Some users start with settled cashback, so payouts happen from the first steps on."""
        for index, amount in enumerate(funded):
            if amount:
                fund_wallet(self.users[index], amount)
                self.balances[index][1] += amount

    @rule(target=purchases, user=st.integers(0, 2), merchant=st.integers(0, 1), amount=amounts, past=st.booleans())
    def ingest(self, user: int, merchant: int, amount: Decimal, past: bool) -> object:
        purchased_at = self.past if past else None
        external_id = f"sm-{next(_external_ids)}"
        purchase = purchase_ingest(
            partner=self.partner,
            external_id=external_id,
            user_id=self.users[user].id,
            merchant_id=self.merchants[merchant].id,
            amount=amount,
            currency="EUR",
            purchased_at=purchased_at,
            actor=Actor.for_partner(self.partner),
        )
        base, expected = self._expected_cashback(
            user=user, merchant=merchant, amount=amount, purchased_at=purchase.purchased_at
        )
        assert purchase.cashback_amount == expected, (amount, purchase.cashback_amount, expected)
        assert purchase.flagged == self._expected_flag(user=user, amount=amount, purchased_at=purchase.purchased_at)
        multiplier = self.tiers[self.points[user].tier].points_multiplier
        assert purchase.points_multiplier == multiplier
        self.model_purchases[purchase.id] = ModelPurchase(
            purchase.id,
            external_id,
            user,
            merchant,
            expected,
            base,
            purchase.purchased_at,
            purchase.created_at,
            amount,
            int((amount * django_settings.POINTS_PER_UNIT * multiplier).to_integral_value(rounding=ROUND_FLOOR)),
            flagged=purchase.flagged,
        )
        self.balances[user][0] += expected
        return purchase.id

    @rule(purchase_id=purchases)
    def ingest_duplicate(self, purchase_id: object) -> None:
        known = self.model_purchases[purchase_id]
        with pytest.raises(DuplicatePurchase):
            purchase_ingest(
                partner=self.partner,
                external_id=known.external_id,
                user_id=self.users[known.user].id,
                merchant_id=self.merchants[known.merchant].id,
                amount=Decimal("10.00"),
                currency="EUR",
                actor=Actor.for_partner(self.partner),
            )

    @rule(purchase_id=purchases, by_staff=st.booleans())
    def confirm(self, purchase_id: object, by_staff: bool) -> None:
        known = self.model_purchases[purchase_id]
        actor = Actor.for_user(self.admin) if by_staff else Actor.for_partner(self.partner)
        if known.status == PurchaseStatus.REVERSED:
            with pytest.raises(InvalidStateTransition):
                purchase_confirm(purchase_id=purchase_id, actor=actor)
            return
        purchase_confirm(purchase_id=purchase_id, actor=actor)
        if known.status == PurchaseStatus.PENDING:
            if known.flagged and not by_staff:
                known.settlement_requested = True
            else:
                self._move(known, PurchaseStatus.CONFIRMED)

    @rule(purchase_id=purchases)
    def reverse(self, purchase_id: object) -> None:
        known = self.model_purchases[purchase_id]
        purchase_reverse(purchase_id=purchase_id, reason="chargeback", actor=Actor.for_user(self.admin))
        if known.status != PurchaseStatus.REVERSED:
            self._move(known, PurchaseStatus.REVERSED)

    def _flagged(self) -> list[object]:
        return sorted((p.id for p in self.model_purchases.values() if p.flagged), key=str)

    @precondition(lambda self: self._flagged())
    @rule(data=st.data())
    def partner_settles_a_flagged_purchase(self, data: st.DataObject) -> None:
        """Aimed at flagged purchases, which random picks reach too rarely."""
        self.confirm(data.draw(st.sampled_from(self._flagged())), by_staff=False)

    @precondition(lambda self: self._flagged())
    @rule(data=st.data())
    def staff_clears_a_flag(self, data: st.DataObject) -> None:
        self.clear_flag(data.draw(st.sampled_from(self._flagged())))

    @rule(purchase_id=purchases)
    def clear_flag(self, purchase_id: object) -> None:
        known = self.model_purchases[purchase_id]
        purchase_clear_flag(purchase_id=purchase_id, actor=Actor.for_user(self.admin))
        if known.flagged:
            known.flagged = False
            if known.settlement_requested and known.status == PurchaseStatus.PENDING:
                self._move(known, PurchaseStatus.CONFIRMED)

    @rule(hours_later=st.sampled_from([0, 24]))
    def confirmation_job(self, hours_later: int) -> None:
        """Run now, or a day from now: a run's purchases were all reported within MIN_PENDING_HOURS."""
        now = timezone.now() + timedelta(hours=hours_later)
        due = [
            p
            for p in self.model_purchases.values()
            if p.status == PurchaseStatus.PENDING
            and not p.flagged
            and p.purchased_at + timedelta(days=self.merchants[p.merchant].confirmation_days) <= now
            and p.reported_at + timedelta(hours=django_settings.MIN_PENDING_HOURS) <= now
        ]
        assert purchases_confirm_due(actor=Actor.job("confirm_due_purchases"), now=now) == len(due)
        # The job earns in `purchased_at` order; among equal dates its order is its own: read it back.
        earned_order = dict(
            PointsEntry.objects.filter(purchase_id__in=[p.id for p in due], type=PointsEntryType.EARNED)
            .order_by("id")
            .values_list("purchase_id", "id")
        )
        due.sort(key=lambda p: (p.purchased_at, earned_order.get(p.id, 0)))
        for purchase in due:
            self.balances[purchase.user][0] -= purchase.cashback
            self.balances[purchase.user][1] += purchase.cashback
            purchase.status = PurchaseStatus.CONFIRMED
        self._earn(due)

    @rule(
        user=st.integers(0, 2),
        data=st.data(),
    )
    def redeem(self, user: int, data: st.DataObject) -> None:
        """Points into available cashback, soonest-expiring lots first."""
        points = self.points[user]
        asked = data.draw(
            st.one_of(
                st.sampled_from([1, django_settings.MIN_REDEMPTION_POINTS - 1, django_settings.MIN_REDEMPTION_POINTS]),
                st.integers(
                    django_settings.MIN_REDEMPTION_POINTS,
                    max(django_settings.MIN_REDEMPTION_POINTS, points.balance + 1),
                ),
            )
        )
        if asked < django_settings.MIN_REDEMPTION_POINTS:
            with pytest.raises(BelowMinimumRedemption):
                points_redeem(user=self.users[user], points=asked)
            return
        if asked > points.balance:
            with pytest.raises(InsufficientPoints):
                points_redeem(user=self.users[user], points=asked)
            return
        redemption = points_redeem(user=self.users[user], points=asked)
        amount = (Decimal(asked) / django_settings.POINTS_PER_CURRENCY_UNIT).quantize(CENT, rounding=ROUND_DOWN)
        assert redemption.amount == amount
        self.balances[user][1] += amount
        points.redeemed += asked
        ids = self._lot_ids(user)
        to_take = asked
        for key, lot in sorted(points.lots.items(), key=lambda item: (item[1].expires_on, ids[item[0]])):
            taken = min(lot.left, to_take)
            lot.left -= taken
            to_take -= taken

    def _open_lots(self) -> list[tuple[int, object]]:
        return sorted(
            ((user, key) for user, points in self.points.items() for key, lot in points.lots.items() if lot.left),
            key=str,
        )

    @precondition(lambda self: self._open_lots())
    @rule(data=st.data(), days=st.integers(-2, 3))
    def lot_date_moves(self, data: st.DataObject, days: int) -> None:
        """Time passing for one lot: its date comes near (the redemption order changes) or passes."""
        user, key = data.draw(st.sampled_from(self._open_lots()))
        expires_on = timezone.now().date() + timedelta(days=days)
        PointsLot.objects.filter(id=self._lot_ids(user)[key]).update(expires_on=expires_on)
        self.points[user].lots[key].expires_on = expires_on

    @rule()
    def expiry_job(self) -> None:
        today = timezone.now().date()
        due = [
            lot
            for points in self.points.values()
            for lot in points.lots.values()
            if lot.left and lot.expires_on < today
        ]
        assert points_expire(today=today) == len(due)
        for points in self.points.values():
            for lot in points.lots.values():
                if lot.left and lot.expires_on < today:
                    points.expired += lot.left
                    lot.left = 0

    @rule(
        target=payouts,
        user=st.integers(0, 2),
        amount=st.one_of(
            st.sampled_from([Decimal("9.99"), Decimal("10.00"), Decimal("15.00")]),
            st.decimals(min_value=Decimal("1.00"), max_value=Decimal("80.00"), places=2),
        ),
    )
    def request_payout(self, user: int, amount: Decimal) -> object:
        balance = self.balances[user]
        call = {"user": self.users[user], "amount": amount, "method": "paypal", "destination": "sm@example.com"}
        if amount < django_settings.MIN_PAYOUT_AMOUNT:
            with pytest.raises(BelowMinimumPayout):
                payout_request(**call)
            return multiple()  # nothing to process later
        if amount > balance[1]:
            with pytest.raises(InsufficientBalance):
                payout_request(**call)
            return multiple()
        payout = payout_request(**call)
        balance[1] -= amount
        balance[2] += amount
        self.model_payouts[payout.id] = ModelPayout(payout.id, user, amount)
        return payout.id

    @rule(payout_id=payouts)
    def complete_payout(self, payout_id: object) -> None:
        self._process(payout_id, "completed")

    @rule(payout_id=payouts)
    def fail_payout(self, payout_id: object) -> None:
        self._process(payout_id, "failed")

    def _process(self, payout_id: object, target: str) -> None:
        known = self.model_payouts[payout_id]
        actor = Actor.for_user(self.admin)
        service = payout_complete if target == "completed" else payout_fail
        kwargs = {"reason": "bank refused"} if target == "failed" else {}
        if known.status not in ("requested", target):
            with pytest.raises(InvalidStateTransition):
                service(payout_id=payout_id, actor=actor, **kwargs)
            return
        service(payout_id=payout_id, actor=actor, **kwargs)
        if known.status == "requested" and target == "failed":
            self.balances[known.user][1] += known.amount
            self.balances[known.user][2] -= known.amount
        known.status = target

    # --- invariants, checked after every step -------------------------------------------------

    @invariant()
    def wallets_match_the_model_and_the_ledger(self) -> None:
        RUN_FIGURES["stateful steps checked"] += 1
        wallets = {w.user_id: w for w in Wallet.objects.filter(user__in=self.users)}
        for index, user in enumerate(self.users):
            wallet = wallets.get(user.id)
            actual = [wallet.pending, wallet.available, wallet.paid] if wallet else [ZERO, ZERO, ZERO]
            assert actual == self.balances[index], (index, actual, self.balances[index])
        assert_ledger_consistent()

    @invariant()
    def no_purchase_rewarded_twice(self) -> None:
        assert_no_purchase_rewarded_twice()

    @invariant()
    def purchases_match_the_model(self) -> None:
        actual = {row[0]: row[1:] for row in Purchase.objects.values_list("id", "status", "flagged")}
        expected = {p.id: (p.status, p.flagged) for p in self.model_purchases.values()}
        assert actual == expected

    @invariant()
    def no_monthly_cap_exceeded(self) -> None:
        assert_no_monthly_cap_exceeded()

    @invariant()
    def points_match_the_model_and_the_ledger(self) -> None:
        assert points_discrepancies() == []  # balance = Σ entries = Σ lots left - debt
        assert not PointsLot.objects.filter(Q(points_left__lt=0) | Q(points_left__gt=F("points"))).exists()
        sums = {
            (row["account_id"], row["type"]): row["total"]
            for row in PointsEntry.objects.values("account_id", "type").annotate(total=Sum("points_delta"))
        }
        accounts = {a.user_id: a for a in PointsAccount.objects.filter(user__in=self.users)}
        loyalties = {row.user_id: row for row in UserLoyalty.objects.select_related("tier").filter(user__in=self.users)}
        lots = {}
        for lot_id, points, left, expires_on in PointsLot.objects.values_list(
            "id", "points", "points_left", "expires_on"
        ):
            lots[lot_id] = ModelLot(points, left, expires_on)
        for index, user in enumerate(self.users):
            model = self.points[index]
            account = accounts.get(user.id) or PointsAccount()
            figures = (
                account.balance,
                account.debt,
                account.lifetime_earned,
                account.lifetime_redeemed,
                account.lifetime_expired,
            )
            assert figures == (model.balance, model.debt, model.earned, model.redeemed, model.expired), (
                index,
                figures,
                model,
            )
            total = lambda *types: sum(sums.get((account.id, t), 0) for t in types)  # noqa: E731
            assert account.lifetime_earned == total(PointsEntryType.EARNED, PointsEntryType.UPGRADE_BONUS)
            assert account.lifetime_redeemed == -total(PointsEntryType.REDEEMED)
            assert account.lifetime_expired == -total(PointsEntryType.EXPIRED)
            actual_lots = {key: lots[lot_id] for key, lot_id in self._lot_ids(index).items()} if account.id else {}
            assert actual_lots == model.lots, (index, actual_lots, model.lots)
            loyalty = loyalties.get(user.id)
            actual = (loyalty.tier.name, loyalty.qualifying_spend) if loyalty else (self.tiers[0].name, ZERO)
            assert actual == (self.tiers[model.tier].name, model.spend), (index, actual, model)


@override_settings(FRAUD_VELOCITY_LIMIT="4/h")  # low enough that random runs hit the velocity flag
def test_ledger_state_machine_keeps_every_invariant() -> None:
    run_state_machine_as_test(
        LedgerMachine,
        settings=settings(
            max_examples=30,
            stateful_step_count=40,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
            # Shrinking a failing run of real transactions can take many minutes; a failure is
            # reported unshrunk (every step is printed), so CI stays bounded either way.
            phases=[Phase.explicit, Phase.generate],
        ),
    )
