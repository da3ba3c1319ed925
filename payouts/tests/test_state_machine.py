"""The payout state machine: its table, and the audit row each transition writes in its transaction."""

from __future__ import annotations

from decimal import Decimal

import pytest

from clicknback.actors import Actor
from clicknback.errors import InsufficientBalance, InvalidStateTransition
from payouts.models import PayoutEvent, PayoutStatus
from payouts.services import payout_complete, payout_fail, payout_request
from payouts.state_machine import ALLOWED_TRANSITIONS
from wallets.tests.helpers import fund_wallet

pytestmark = pytest.mark.django_db

R, C, F = PayoutStatus.REQUESTED, PayoutStatus.COMPLETED, PayoutStatus.FAILED


def history(payout):
    return list(
        PayoutEvent.objects.filter(payout=payout).values_list("from_status", "to_status", "actor_kind", "reason")
    )


def test_the_table_lets_a_requested_payout_complete_or_fail_and_nothing_else():
    table = ALLOWED_TRANSITIONS
    assert table == {R: {C, F}, C: set(), F: set()}


def test_each_transition_writes_one_audit_row_with_who_and_why(user, admin_user, make_payout):
    fund_wallet(user, Decimal("50.00"))
    completed, failed = make_payout(user), make_payout(user)
    admin = Actor.for_user(admin_user)
    payout_complete(payout_id=completed.id, actor=admin)
    payout_fail(payout_id=failed.id, reason=" Bounced ", actor=admin)
    assert history(completed) == [("", R, "user", ""), (R, C, "admin", "")]
    assert history(failed) == [("", R, "user", ""), (R, F, "admin", "Bounced")]
    event = PayoutEvent.objects.get(payout=failed, to_status=F)
    assert (event.actor_id, event.actor_label) == (str(admin_user.id), admin_user.email)
    assert PayoutEvent.objects.get(payout=completed, to_status=R).actor_id == str(user.id)


@pytest.mark.parametrize(("first", "second"), [("complete", "complete"), ("fail", "fail")])
def test_repeating_a_transition_changes_nothing_and_writes_no_row(user, make_payout, first, second):
    fund_wallet(user, Decimal("50.00"))
    payout = make_payout(user)
    actions = {"complete": payout_complete, "fail": lambda **kw: payout_fail(reason="Bounced", **kw)}
    _, changed = actions[first](payout_id=payout.id, actor=Actor.job("test"))
    _, again = actions[second](payout_id=payout.id, actor=Actor.job("test"))
    assert (changed, again) == (True, False)
    assert PayoutEvent.objects.filter(payout=payout).count() == 2


def test_an_impossible_transition_is_refused_and_writes_no_row(user, make_payout):
    fund_wallet(user, Decimal("50.00"))
    payout = make_payout(user)
    payout_complete(payout_id=payout.id, actor=Actor.job("test"))
    with pytest.raises(InvalidStateTransition) as refused:
        payout_fail(payout_id=payout.id, reason="too late", actor=Actor.job("test"))
    assert refused.value.details == {"current_status": C}
    assert [to for _, to, _, _ in history(payout)] == [R, C]


def test_a_refused_request_leaves_no_audit_row(user):
    with pytest.raises(InsufficientBalance):
        payout_request(user=user, amount=Decimal("20.00"), method="paypal", destination="a@example.com")
    assert not PayoutEvent.objects.exists()
