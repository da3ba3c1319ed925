"""Plain words for the member site: money, offer terms, ledger lines. Display only: every number
shown comes from the domain's own rows."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.utils.formats import date_format

from clicknback.money import format_money
from merchants.models import Merchant
from offers.models import CashbackType, Offer

CURRENCY_SYMBOLS = {"EUR": "€", "USD": "$", "GBP": "£"}


def money(value: Decimal | None, currency: str | None = None) -> str:
    """€12.50, or 12.50 CHF where the currency has no symbol here; a minus in front of the symbol."""
    if value is None:
        return ""
    currency = currency or settings.PLATFORM_CURRENCY
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


def pending_until(purchased_at_day: date, confirmation_days: int) -> date:
    return purchased_at_day + timedelta(days=confirmation_days)
