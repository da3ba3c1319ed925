"""Manual adjustments, maker-checker: proposed by one finance member, approved by another, and only
then posted to the ledger as one `adjustment` entry."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from backoffice.groups import FINANCE
from clicknback.errors import DomainError, InvalidStateTransition, SelfApproval
from clicknback.models import AuditAction, AuditLogEntry
from clicknback.testing import run_at_once
from tests.admin.conftest import AdminClient, changelist, messages_of, staff_member
from wallets.models import Adjustment, AdjustmentStatus, EntryType, Wallet, WalletEntry
from wallets.services import adjustment_approve, adjustment_propose, adjustment_reject


@pytest.fixture
def checker(db):
    return staff_member(FINANCE, email="checker@example.com")


def propose(user, maker, amount="25.00") -> Adjustment:
    return adjustment_propose(user_id=user.pk, amount=Decimal(amount), reason="Goodwill", proposed_by=maker)


def test_a_proposal_moves_no_money(user, finance):
    adjustment = propose(user, finance)
    assert adjustment.status == AdjustmentStatus.PROPOSED
    assert not WalletEntry.objects.exists()


def test_the_proposer_cannot_approve_their_own_adjustment(user, finance):
    adjustment = propose(user, finance)
    with pytest.raises(SelfApproval):
        adjustment_approve(adjustment_id=adjustment.pk, approver=finance)
    assert Adjustment.objects.get(pk=adjustment.pk).status == AdjustmentStatus.PROPOSED
    assert not WalletEntry.objects.exists()


def test_the_database_refuses_an_approver_who_is_the_proposer(user, finance):
    adjustment = propose(user, finance)
    with pytest.raises(IntegrityError), transaction.atomic():
        Adjustment.objects.filter(pk=adjustment.pk).update(status=AdjustmentStatus.REJECTED, decided_by=finance)


def test_another_member_approves_and_it_posts_one_adjustment_entry_with_both_names_audited(user, finance, checker):
    adjustment = propose(user, finance, "-5.00")
    adjustment, changed = adjustment_approve(adjustment_id=adjustment.pk, approver=checker)
    assert changed and adjustment.status == AdjustmentStatus.APPROVED
    entry = WalletEntry.objects.get()
    assert (entry.type, entry.available_delta, entry.purchase_id, entry.payout_id) == (
        EntryType.ADJUSTMENT,
        Decimal("-5.00"),
        None,
        None,
    )
    assert Wallet.objects.get(user=user).available == Decimal("-5.00")
    approval = AuditLogEntry.objects.get(action=AuditAction.ADJUSTMENT_APPROVED)
    assert approval.actor_user == checker
    assert approval.changes["proposed_by"][1] == finance.email and approval.changes["decided_by"][1] == checker.email
    # Again: nothing more is posted.
    assert adjustment_approve(adjustment_id=adjustment.pk, approver=checker)[1] is False
    assert WalletEntry.objects.count() == 1


def test_a_rejected_adjustment_is_never_posted(user, finance, checker):
    adjustment = propose(user, finance)
    assert adjustment_reject(adjustment_id=adjustment.pk, rejecter=checker)[1]
    with pytest.raises(InvalidStateTransition):
        adjustment_approve(adjustment_id=adjustment.pk, approver=checker)
    assert not WalletEntry.objects.exists()


@pytest.mark.parametrize(("amount", "reason"), [("0.00", "Goodwill"), ("1.001", "Goodwill"), ("5.00", "  ")])
def test_a_proposal_needs_a_non_zero_amount_in_cents_and_a_reason(user, finance, amount, reason):
    with pytest.raises(DomainError):
        adjustment_propose(user_id=user.pk, amount=Decimal(amount), reason=reason, proposed_by=finance)
    assert not Adjustment.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_two_approvals_at_once_post_once(user, finance):
    adjustment = propose(user, finance)
    checkers = [staff_member(FINANCE) for _ in range(2)]
    results = run_at_once([lambda c=c: adjustment_approve(adjustment_id=adjustment.pk, approver=c) for c in checkers])
    assert sorted(changed for _, changed in results) == [False, True]
    assert WalletEntry.objects.filter(type=EntryType.ADJUSTMENT).count() == 1
    assert Wallet.objects.get(user=user).available == Decimal("25.00")


def test_in_the_admin_the_proposer_sees_why_they_cannot_approve_and_another_member_approves(
    as_finance, finance, checker, user
):
    as_finance.get(reverse("admin:wallets_adjustment_add"))
    response = as_finance.post(
        reverse("admin:wallets_adjustment_add"), {"user": str(user.pk), "amount": "12.50", "reason": "Late payout"}
    )
    assert response.status_code == 200
    adjustment = Adjustment.objects.get()
    assert adjustment.proposed_by == finance
    page = reverse("admin:wallets_adjustment_change", args=[adjustment.pk])
    html = as_finance.get(page).content.decode()
    assert 'id="do-approve"' not in html and "you proposed it" in html
    action = reverse("admin:wallets_adjustment_detail_action", args=[adjustment.pk, "approve"])
    response = as_finance.post(action, {})
    assert messages_of(response) == [("error", "you proposed it: another finance member must approve or reject it")]
    as_checker = AdminClient(checker)
    as_checker.get(page)
    response = as_checker.post(action, {})
    assert messages_of(response) == [
        ("success", f"Adjustment of €12.50 for {user.email}: approved and posted to the ledger")
    ]
    assert WalletEntry.objects.filter(type=EntryType.ADJUSTMENT).count() == 1
    assert "€12.50" in as_checker.get(changelist("wallets_adjustment")).content.decode()
