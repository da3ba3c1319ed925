"""Reads over chain addresses."""

from __future__ import annotations

import uuid

from chain.models import ChainAddress
from clicknback.errors import NotFound


def chain_address_of(*, user_id: uuid.UUID) -> ChainAddress:
    try:
        return ChainAddress.objects.get(user_id=user_id)
    except ChainAddress.DoesNotExist:
        raise NotFound("No chain address is linked.") from None
