"""`purchase_data` (the fast path the views render with) says exactly what the serializer says."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from clicknback.actors import Actor
from purchases.models import Purchase
from purchases.serializers import PurchaseOutputSerializer, purchase_data
from purchases.services import purchase_confirm, purchase_reverse


def _both(purchase_id) -> tuple[dict, dict]:
    fresh = Purchase.objects.select_related("merchant").get(pk=purchase_id)
    return purchase_data(fresh), dict(PurchaseOutputSerializer(fresh).data)


@pytest.mark.django_db
def test_every_state_renders_as_the_serializer(ingest, admin_user):
    admin = Actor.for_user(admin_user)
    pending = ingest("12.34", purchased_at=datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=UTC))
    flagged = ingest("5000.00")  # at the review threshold: flagged with a reason
    confirmed, _ = purchase_confirm(purchase_id=ingest("99.99").id, actor=admin)
    reversed_, _ = purchase_reverse(purchase_id=ingest("10.00").id, reason="chargeback", actor=admin)
    assert flagged.flagged and flagged.flag_reasons
    for purchase in (pending, flagged, confirmed, reversed_):
        fast, slow = _both(purchase.id)
        assert fast == slow
        assert list(fast) == list(slow)  # same key order in the JSON


@pytest.mark.django_db
def test_the_objects_services_return_render_the_same(ingest, admin_user):
    """The webhook renders the in-memory purchase the service returns, not a re-read one."""
    admin = Actor.for_user(admin_user)
    for purchase in (ingest("42.00"), purchase_confirm(purchase_id=ingest("7.00").id, actor=admin)[0]):
        assert purchase_data(purchase) == dict(PurchaseOutputSerializer(purchase).data)
