from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings
from django.utils import timezone

from events import outbox
from events.models import OutboxEvent

pytestmark = pytest.mark.django_db


@override_settings(OUTBOX_RETENTION_DAYS=7)
def test_published_events_older_than_the_retention_are_pruned_unpublished_ones_never():
    now = timezone.now()
    with transaction.atomic():
        old, recent, backlog = (outbox.record("payout.completed", n, {}) for n in range(3))
    OutboxEvent.objects.filter(pk=old.pk).update(published_at=now - timedelta(days=8))
    OutboxEvent.objects.filter(pk=recent.pk).update(published_at=now - timedelta(days=6))
    OutboxEvent.objects.filter(pk=backlog.pk).update(occurred_at=now - timedelta(days=30))
    out = StringIO()
    call_command("prune_outbox", stdout=out)
    assert out.getvalue() == "Pruned 1 published events.\n"
    assert set(OutboxEvent.objects.values_list("pk", flat=True)) == {recent.pk, backlog.pk}
