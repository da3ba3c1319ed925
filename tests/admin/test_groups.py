"""The staff groups exist after migrate with exactly the declared permissions."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group

from backoffice.groups import FINANCE, SUPPORT, staff_groups_sync

pytestmark = pytest.mark.django_db


def perms(group: str) -> set[str]:
    return {
        f"{app}.{codename}"
        for app, codename in Group.objects.get(name=group).permissions.values_list(
            "content_type__app_label", "codename"
        )
    }


def test_support_views_everything_and_reviews_fraud_but_processes_no_payout():
    support = perms(SUPPORT)
    assert {"purchases.view_purchase", "wallets.view_walletentry", "payouts.view_payout"} <= support
    assert "backoffice.review_purchase" in support
    assert "backoffice.process_payout" not in support
    assert not {p for p in support if ".view_" not in p} - {"backoffice.review_purchase"}


def test_finance_processes_payouts_but_reviews_no_fraud():
    finance = perms(FINANCE)
    assert {"backoffice.process_payout", "payouts.view_payout", "wallets.view_wallet"} <= finance
    assert "backoffice.review_purchase" not in finance
    assert not {p for p in finance if ".view_" not in p} - {"backoffice.process_payout"}


def test_sync_is_idempotent_and_restores_removed_permissions():
    Group.objects.get(name=SUPPORT).permissions.clear()
    staff_groups_sync()
    staff_groups_sync()
    assert Group.objects.filter(name__in=[SUPPORT, FINANCE]).count() == 2
    assert "backoffice.review_purchase" in perms(SUPPORT)
