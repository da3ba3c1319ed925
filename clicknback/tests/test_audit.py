"""The audit trail's writer and its protection: rows only inside a transaction, JSON-safe values, and
neither the ORM nor raw SQL can change or remove a row once written."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.db import DatabaseError, IntegrityError, connection, transaction

from accounts.tests.factories import AdminFactory
from clicknback.actors import Actor
from clicknback.append_only import AppendOnlyError
from clicknback.audit import audit_record
from clicknback.models import AuditAction, AuditLogEntry
from merchants.tests.factories import MerchantFactory

JOB = Actor.job("test")


def _record(merchant, actor: Actor = JOB) -> AuditLogEntry:
    return audit_record(actor=actor, action=AuditAction.MERCHANT_UPDATED, obj=merchant, changes={})


@pytest.mark.django_db
def test_a_row_names_the_actor_the_object_and_json_safe_changes():
    admin = AdminFactory()
    merchant = MerchantFactory(name="Acme")
    changes = {"cap": (None, Decimal("10.50")), "ends_on": (date(2026, 1, 31), date(2026, 3, 1)), "days": (30, 7)}
    audit_record(actor=Actor.for_user(admin), action=AuditAction.MERCHANT_UPDATED, obj=merchant, changes=changes)

    row = AuditLogEntry.objects.select_related("content_type").get()
    assert (row.actor_kind, row.actor_user, row.actor_label) == ("admin", admin, admin.email)
    assert (row.content_type.model, row.object_id, row.object_repr) == ("merchant", str(merchant.pk), "Acme")
    assert row.changes == {"cap": [None, "10.50"], "ends_on": ["2026-01-31", "2026-03-01"], "days": [30, 7]}


@pytest.mark.django_db
def test_jobs_and_partners_have_no_user():
    _record(MerchantFactory())
    row = AuditLogEntry.objects.get()
    assert (row.actor_kind, row.actor_user_id, row.actor_label) == ("job", None, "test")


@pytest.mark.django_db(transaction=True)
def test_recording_outside_a_transaction_is_refused():
    merchant = MerchantFactory()
    with pytest.raises(RuntimeError, match="inside the transaction"):
        _record(merchant)
    with transaction.atomic():
        _record(merchant)
    assert AuditLogEntry.objects.count() == 1


@pytest.mark.django_db
def test_the_orm_refuses_to_change_or_remove_a_row():
    row = _record(MerchantFactory())
    row.object_repr = "edited"
    with pytest.raises(AppendOnlyError):
        row.save()
    with pytest.raises(AppendOnlyError):
        row.delete()
    with pytest.raises(AppendOnlyError):
        AuditLogEntry.objects.update(object_repr="edited")
    with pytest.raises(AppendOnlyError):
        AuditLogEntry.objects.all().delete()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE clicknback_auditlogentry SET object_repr = 'edited'",
        "DELETE FROM clicknback_auditlogentry",
    ],
)
def test_postgresql_refuses_to_change_or_remove_a_row(sql):
    _record(MerchantFactory(name="Acme"))
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql)
    assert list(AuditLogEntry.objects.values_list("object_repr", flat=True)) == ["Acme"]


@pytest.mark.django_db
def test_postgresql_refuses_an_unknown_action():
    merchant = MerchantFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        audit_record(actor=JOB, action="merchant.renamed", obj=merchant, changes={})
