"""Filters of the member site's templates (`{% load site %}`)."""

from __future__ import annotations

from decimal import Decimal

from django import template

from web import presenters

register = template.Library()


@register.filter
def money(value: Decimal | None, currency: str | None = None) -> str:
    return presenters.money(value, currency)


@register.filter
def day(value) -> str:
    return presenters.day(value) if value else ""


@register.filter
def get_item(mapping: dict, key):
    return mapping.get(key)
