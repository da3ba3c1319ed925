"""The staff groups exist after migrate with exactly the declared permissions."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from accounts.models import User
from accounts.tests.factories import UserFactory
from backoffice.groups import FINANCE, SUPPORT, staff_groups_sync

pytestmark = pytest.mark.django_db


def perms(group: str) -> set[str]:
    return {
        f"{app}.{codename}"
        for app, codename in Group.objects.get(name=group).permissions.values_list(
            "content_type__app_label", "codename"
        )
    }


def test_support_views_everything_reviews_fraud_and_claims_but_processes_no_payout():
    support = perms(SUPPORT)
    assert {"purchases.view_purchase", "wallets.view_walletentry", "payouts.view_payout"} <= support
    assert {"clicks.view_click", "claims.view_claim", "claims.view_openclaim"} <= support
    assert {"purchases.review_purchase", "claims.review_claim"} <= support
    assert "payouts.process_payout" not in support
    assert not {p for p in support if ".view_" not in p} - {
        "purchases.review_purchase",
        "backoffice.add_staffnote",
        "claims.review_claim",
    }


def test_finance_processes_payouts_but_reviews_no_fraud():
    finance = perms(FINANCE)
    assert {"payouts.process_payout", "payouts.view_payout", "wallets.view_wallet"} <= finance
    assert "purchases.review_purchase" not in finance
    assert "claims.review_claim" not in finance
    assert not {p for p in finance if ".view_" not in p} - {
        "payouts.process_payout",
        "backoffice.add_staffnote",
        "wallets.add_adjustment",
        "wallets.approve_adjustment",
    }


def test_sync_is_idempotent_and_restores_removed_permissions():
    Group.objects.get(name=SUPPORT).permissions.clear()
    staff_groups_sync()
    staff_groups_sync()
    assert Group.objects.filter(name__in=[SUPPORT, FINANCE]).count() == 2
    assert "purchases.review_purchase" in perms(SUPPORT)


@pytest.mark.django_db(transaction=True)
def test_the_move_of_the_review_and_process_permissions_keeps_every_grant():
    """Before, they belonged to the queue proxies (`backoffice.*`); a database migrated from then
    keeps each group's and user's grant on the new permission, and the old one is gone."""
    executor = MigrationExecutor(connection)
    before = [("backoffice", "0001_initial"), ("purchases", "0001_initial"), ("payouts", "0002_destination_index")]
    executor.migrate(before)
    old = Permission.objects.create(
        content_type=ContentType.objects.get_or_create(app_label="backoffice", model="flaggedpurchase")[0],
        codename="review_purchase",
        name="Can clear, confirm or reverse purchases",
    )
    reviewers = Group.objects.create(name="reviewers")
    reviewers.permissions.add(old)
    reviewer = UserFactory(is_staff=True)
    reviewer.user_permissions.add(old)

    executor = MigrationExecutor(connection)  # the graph as it is on disk again
    executor.migrate(executor.loader.graph.leaf_nodes())

    assert not Permission.objects.filter(content_type__app_label="backoffice", codename="review_purchase").exists()
    assert "purchases.review_purchase" in perms("reviewers")
    assert User.objects.get(pk=reviewer.pk).has_perm("purchases.review_purchase")
