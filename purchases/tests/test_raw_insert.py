"""The purchase audit row inserted by hand-written SQL (`clicknback.rawsql`), against save()."""

import pytest
from django.db import connection

from clicknback import rawsql
from clicknback.actors import Actor
from clicknback.testing import field_values
from purchases.models import PurchaseAction, PurchaseEvent
from purchases.state_machine import audit_event

pytestmark = pytest.mark.django_db


def test_insert_returns_the_generated_primary_key_and_writes_what_save_writes(ingest, admin_user):
    purchase, actor = ingest(), Actor.for_user(admin_user)
    raw, twin = (
        audit_event(purchase, action=PurchaseAction.SETTLEMENT_REQUESTED, from_status="pending", actor=actor, now=now)
        for now in [purchase.created_at] * 2
    )
    sql, params = rawsql.insert(raw)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rawsql.mark_saved(raw, cursor.fetchone())
    twin.save()
    assert raw.pk is not None and raw._state.adding is False
    assert field_values(PurchaseEvent.objects.get(pk=raw.pk)) == field_values(raw)
    assert field_values(raw) | {"id": None} == field_values(twin) | {"id": None}
