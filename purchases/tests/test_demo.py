"""The demo seed is complete and idempotent."""

from io import StringIO

import pytest
from django.core.management import call_command

from accounts.demo import DEMO_USER
from accounts.models import User
from analytics.rebuild import rollup_discrepancy_lines
from purchases.models import Purchase
from wallets.selectors import ledger_discrepancies

pytestmark = pytest.mark.django_db


def test_demo_seed_has_every_state_balances_and_is_idempotent():
    call_command("seed_demo", stdout=StringIO())
    user = User.objects.get(email=DEMO_USER[0])
    purchases = Purchase.objects.filter(user=user)
    assert {p.status for p in purchases} == {"pending", "confirmed", "reversed"}
    assert purchases.filter(flagged=True).exists()
    assert ledger_discrepancies() == []
    assert rollup_discrepancy_lines() == []  # the demo goes through the services, so its figures are live
    count = purchases.count()
    call_command("seed_demo", stdout=StringIO())
    assert Purchase.objects.filter(user=user).count() == count
