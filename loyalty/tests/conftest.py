"""Purchases made through the purchase services (loyalty is driven by them), and a helper that
grants points with a chosen expiry directly in a consistent ledger."""

from __future__ import annotations

import uuid
from datetime import date

import pytest
from django.db import transaction

from loyalty.models import PointsAccount, PointsEntry, PointsEntryType, PointsLot, Tier, UserLoyalty


def tier(name: str) -> Tier:
    return Tier.objects.get(name=name)


def set_tier(user, name: str) -> None:
    UserLoyalty.objects.update_or_create(user=user, defaults={"tier": tier(name)})


def grant_lot(user, points: int, expires_on: date) -> PointsLot:
    """An earned lot (of a made-up purchase) with its entry, the account's figures following."""
    with transaction.atomic():
        account, _ = PointsAccount.objects.select_for_update().get_or_create(user=user)
        lot = PointsLot.objects.create(
            account=account, points=points, points_left=points, expires_on=expires_on, purchase_id=uuid.uuid4()
        )
        account.balance += points
        account.lifetime_earned += points
        account.save()
        PointsEntry.objects.create(
            account=account,
            type=PointsEntryType.EARNED,
            points_delta=points,
            balance_after=account.balance,
            purchase_id=lot.purchase_id,
            lot=lot,
            expires_on=expires_on,
        )
    return lot


@pytest.fixture
def confirm_offer_now(merchant):
    merchant.confirmation_days = 0
    merchant.save()
