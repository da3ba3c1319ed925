"""Filters of the member site's templates (`{% load site %}`)."""

from __future__ import annotations

from decimal import Decimal

from django import template
from django.urls import reverse
from django.utils.html import format_html

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


@register.simple_tag(takes_context=True)
def nav_link(context, view_name: str, label: str) -> str:
    """A link of the main navigation; the page being shown is marked `aria-current="page"`."""
    match = getattr(context.get("request"), "resolver_match", None)
    if match is not None and match.view_name == view_name:
        return format_html('<a href="{}" aria-current="page">{}</a>', reverse(view_name), label)
    return format_html('<a href="{}">{}</a>', reverse(view_name), label)
