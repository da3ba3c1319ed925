"""The demo seed's campaigns."""

from io import StringIO

import pytest
from django.core.management import call_command

from campaigns.models import Campaign

pytestmark = pytest.mark.django_db


def test_demo_seed_has_the_three_campaigns_and_is_idempotent():
    call_command("seed_demo", stdout=StringIO())
    campaigns = {c.name: c for c in Campaign.objects.all()}
    assert len(campaigns) == 3
    running = [c for c in campaigns.values() if c.is_running()]
    assert {c.requires_enrollment for c in running} == {True, False}
    assert all(c.budget is not None for c in running)
    assert [c.status for c in campaigns.values() if not c.is_running()] == ["ended"]
    call_command("seed_demo", stdout=StringIO())
    assert Campaign.objects.count() == 3
    call_command("verify_ledger")
