"""Plain words for the member site: money, offer terms, ledger lines. Display only: every number
shown comes from the domain's own rows."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.utils.formats import date_format

from campaigns.models import Campaign, CampaignKind
from clicknback.money import ZERO, format_money
from merchants.models import Merchant
from offers.models import CashbackType, Offer
from payouts.models import Payout
from purchases.models import Purchase
from wallets.models import EntryType, WalletEntry

CURRENCY_SYMBOLS = {"EUR": "€", "USD": "$", "GBP": "£"}


def money(value: Decimal | None, currency: str | None = None) -> str:
    """€12.50, or 12.50 CHF where the currency has no symbol here; a minus in front of the symbol."""
    if value is None:
        return ""
    currency = currency or settings.PLATFORM_CURRENCY
    value = Decimal(value)
    sign, amount = ("\u2212", -value) if value < 0 else ("", value)
    symbol = CURRENCY_SYMBOLS.get(currency)
    return f"{sign}{symbol}{format_money(amount)}" if symbol else f"{sign}{format_money(amount)} {currency}"


def day(value: date) -> str:
    """12 March 2026."""
    return date_format(value, "j F Y")


def offer_headline(offer: Offer) -> str:
    if offer.cashback_type == CashbackType.PERCENT:
        return f"{offer.cashback_value.normalize():f}% cashback"
    return f"{money(offer.cashback_value)} cashback"


def campaign_headline(campaign: Campaign) -> str:
    """What a running campaign adds, in a member's words."""
    value = campaign.value.normalize()
    if campaign.kind == CampaignKind.BONUS_PERCENT:
        bonus = f"+{value:f}% extra cashback"
    elif campaign.kind == CampaignKind.BONUS_FIXED:
        bonus = f"+{money(campaign.value)} extra per purchase"
    else:
        bonus = f"{value:f} times the cashback"
    return f"{bonus} until {day(campaign.ends_at.date())}"


def offer_terms(offer: Offer, merchant: Merchant) -> list[str]:
    """The offer's rules as sentences a member reads before buying."""
    if offer.cashback_type == CashbackType.PERCENT:
        terms = [f"You get {offer.cashback_value.normalize():f}% of what you spend back as cashback."]
    else:
        terms = [f"You get {money(offer.cashback_value)} back on every purchase."]
    if offer.min_purchase_amount:
        terms.append(f"Only purchases of {money(offer.min_purchase_amount)} or more earn cashback.")
    if offer.max_cashback_per_purchase:
        terms.append(f"One purchase earns at most {money(offer.max_cashback_per_purchase)}.")
    if offer.monthly_cap_per_user:
        terms.append(f"You can earn up to {money(offer.monthly_cap_per_user)} a month at {merchant.name}.")
    days = merchant.confirmation_days
    if days:
        terms.append(
            f"Your cashback stays pending for {days} day{'s' if days != 1 else ''} after the purchase "
            "(while you could still return it), then you can withdraw it."
        )
    else:
        terms.append("Your cashback can be confirmed as soon as the shop reports the purchase.")
    terms.append(f"The offer runs until {day(offer.ends_on)}.")
    return terms


@dataclass(frozen=True)
class LedgerLine:
    """One wallet entry as a sentence, with the amount it moved and the bucket it moved it in."""

    when: datetime
    text: str
    amount: Decimal
    bucket: str


def ledger_lines(
    entries: Iterable[WalletEntry], *, purchases: Mapping[uuid.UUID, Purchase], payouts: Mapping[uuid.UUID, Payout]
) -> list[LedgerLine]:
    """Each entry says why it happened: "Cashback from Gadget Hub, pending until 12 March 2026"."""
    return [_ledger_line(entry, purchases, payouts) for entry in entries]


def _ledger_line(entry: WalletEntry, purchases: Mapping, payouts: Mapping) -> LedgerLine:
    purchase = purchases.get(entry.purchase_id)
    payout = payouts.get(entry.payout_id)
    shop = purchase.merchant.name if purchase else "a shop"
    match entry.type:
        case EntryType.CASHBACK_PENDING:
            until = pending_until(purchase) if purchase else None
            text = f"Cashback from {shop}, pending until {day(until)}" if until else f"Cashback from {shop}, pending"
            return LedgerLine(entry.created_at, text, entry.pending_delta, "pending")
        case EntryType.CASHBACK_CONFIRMED:
            text = f"Cashback from {shop} confirmed: you can withdraw it"
            return LedgerLine(entry.created_at, text, entry.available_delta, "available")
        case EntryType.CASHBACK_REVERSED:
            reason = f" ({purchase.reversal_reason})" if purchase and purchase.reversal_reason else ""
            amount, bucket = _moved(entry)
            return LedgerLine(entry.created_at, f"Cashback from {shop} cancelled{reason}", amount, bucket)
        case EntryType.PAYOUT_REQUESTED:
            where = f" to {payout.get_method_display()} {payout.masked_destination}" if payout else ""
            return LedgerLine(entry.created_at, f"Withdrawal{where}", entry.available_delta, "available")
        case EntryType.PAYOUT_FAILED:
            reason = f" ({payout.failure_reason})" if payout and payout.failure_reason else ""
            text = f"Withdrawal failed{reason}: the money is back in your available balance"
            return LedgerLine(entry.created_at, text, entry.available_delta, "available")
        case EntryType.POINTS_REDEEMED:
            text = "Reward points turned into cashback"
            return LedgerLine(entry.created_at, text, entry.available_delta, "available")
        case _:
            amount, bucket = _moved(entry)
            return LedgerLine(entry.created_at, "Correction by our support team", amount, bucket)


def _moved(entry: WalletEntry) -> tuple[Decimal, str]:
    """The bucket an entry changed (available first) and by how much."""
    for bucket in ("available", "pending", "paid"):
        delta = getattr(entry, f"{bucket}_delta")
        if delta:
            return delta, bucket
    return ZERO, "available"


def pending_until(purchase: Purchase) -> date:
    """When the confirmation job may confirm it: its purchase day plus the shop's settlement delay."""
    return purchase.purchased_at.astimezone(UTC).date() + timedelta(days=purchase.merchant.confirmation_days)
