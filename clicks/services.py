"""Writes on clicks: one INSERT per click, the hottest path a user has."""

from __future__ import annotations

import hashlib
import hmac
import uuid
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from clicks.models import Click
from clicks.selectors import click_target
from merchants.models import CLICK_ID_PLACEHOLDER


def client_fingerprint(*, address: str, user_agent: str) -> str:
    """HMAC-SHA256 (keyed with SECRET_KEY) of the client's address and user agent: comparable
    between clicks, never reversible to the address."""
    message = f"{address}\n{user_agent}".encode()
    return hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).hexdigest()


def click_create(
    *, user: User, merchant_id: uuid.UUID, address: str, user_agent: str, now: datetime | None = None
) -> tuple[Click, str]:
    """Record a click at the merchant's offer valid today; returns it and where to send the user
    (the merchant's tracking URL with the click's id in it). OFFER_NOT_AVAILABLE without one.
    `now` is for the demo data, which needs clicks made days ago."""
    with transaction.atomic(durable=True):
        offer = click_target(merchant_id=merchant_id)
        now = now or timezone.now()
        click = Click(
            user=user,
            merchant=offer.merchant,
            offer=offer,
            created_at=now,
            expires_at=now + timedelta(days=settings.CLICK_TTL_DAYS),
            client_hash=client_fingerprint(address=address, user_agent=user_agent),
        )
        click.save(force_insert=True)
    return click, offer.merchant.tracking_url.replace(CLICK_ID_PLACEHOLDER, click.id)
