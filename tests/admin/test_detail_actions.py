"""Acting from a detail page: the same services and outcome messages as the list actions, the
permission checks, and the reason shown where the page cannot act."""

from __future__ import annotations

from django.urls import reverse

from clicknback.actors import Actor
from payouts.models import Payout, PayoutStatus
from purchases.models import Purchase, PurchaseStatus
from purchases.services import purchase_clear_flag
from tests.admin.conftest import messages_of


def page(model: str, pk) -> str:
    return reverse(f"admin:{model}_change", args=[pk])


def act(model: str, pk, action: str) -> str:
    return reverse(f"admin:{model}_detail_action", args=[pk, action])


def press(client, model: str, pk, action: str, data: dict | None = None):
    """Open the detail page, as a browser would, then press the action's button."""
    client.get(page(model, pk))
    return client.post(act(model, pk, action), data or {})


def test_support_clears_a_flag_from_the_fraud_case_page_and_lands_on_the_purchase(as_support, ingest):
    flagged = ingest("1500.00")
    html = as_support.get(page("backoffice_flaggedpurchase", flagged.pk)).content.decode()
    assert 'id="do-clear_flag"' in html and 'id="do-reverse"' in html
    response = press(as_support, "backoffice_flaggedpurchase", flagged.pk, "clear_flag", {})
    assert response.redirect_chain[-1][0] == page("purchases_purchase", flagged.pk)
    assert messages_of(response) == [
        ("success", f"Purchase {flagged.external_id}: flag cleared: it will be confirmed when due")
    ]
    assert not Purchase.objects.get(pk=flagged.pk).flagged


def test_reversing_from_the_purchase_page_needs_a_reason(as_support, ingest):
    purchase = ingest("100.00")
    response = press(as_support, "purchases_purchase", purchase.pk, "reverse", {"reason": "  "})
    assert messages_of(response) == [("error", "Give a reason: nothing was done.")]
    response = press(as_support, "purchases_purchase", purchase.pk, "reverse", {"reason": "Returned"})
    assert messages_of(response) == [
        ("success", f"Purchase {purchase.external_id}: reversed: its cashback was taken back")
    ]
    assert Purchase.objects.get(pk=purchase.pk).status == PurchaseStatus.REVERSED


def test_a_page_that_cannot_act_says_why_instead_of_a_button(as_support, as_finance, ingest):
    purchase = ingest("100.00")
    html = as_support.get(page("purchases_purchase", purchase.pk)).content.decode()
    assert 'id="cannot-clear_flag"' in html and "it is not flagged" in html
    html = as_finance.get(page("purchases_purchase", purchase.pk)).content.decode()
    assert 'id="do-confirm"' not in html and "you need the review permission" in html
    response = press(as_finance, "purchases_purchase", purchase.pk, "confirm", {})
    assert messages_of(response) == [("error", "you need the review permission (the support group)")]
    assert Purchase.objects.get(pk=purchase.pk).status == PurchaseStatus.PENDING


def test_finance_fails_a_payout_from_its_page_with_a_reason(as_finance, make_payout, user):
    payout = make_payout(user, "20.00")
    html = as_finance.get(page("backoffice_requestedpayout", payout.pk)).content.decode()
    assert 'id="do-fail"' in html and 'id="do-complete"' in html
    response = press(as_finance, "backoffice_requestedpayout", payout.pk, "fail", {"reason": "IBAN closed"})
    assert response.redirect_chain[-1][0] == page("payouts_payout", payout.pk)
    assert (
        messages_of(response)[0][0] == "success"
        and "failed, amount returned to available" in messages_of(response)[0][1]
    )
    payout = Payout.objects.get(pk=payout.pk)
    assert (payout.status, payout.failure_reason) == (PayoutStatus.FAILED, "IBAN closed")
    html = as_finance.get(page("payouts_payout", payout.pk)).content.decode()
    assert 'id="do-complete"' not in html and "it is already failed" in html


def test_support_cannot_process_a_payout_from_its_page(as_support, make_payout, user):
    payout = make_payout(user, "20.00")
    html = as_support.get(page("payouts_payout", payout.pk)).content.decode()
    assert "only finance may process payouts" in html and 'id="do-complete"' not in html
    press(as_support, "payouts_payout", payout.pk, "complete", {})
    assert Payout.objects.get(pk=payout.pk).status == PayoutStatus.REQUESTED


def test_a_case_that_left_the_queue_is_reported_not_acted_on(as_support, ingest):
    flagged = ingest("1500.00")
    as_support.get(page("backoffice_flaggedpurchase", flagged.pk))
    purchase_clear_flag(purchase_id=flagged.pk, actor=Actor.job("another staff member"))
    response = as_support.post(act("backoffice_flaggedpurchase", flagged.pk, "reverse"), {"reason": "late"})
    assert messages_of(response) == [("warning", "No longer in this queue, nothing done.")]
    assert Purchase.objects.get(pk=flagged.pk).status == PurchaseStatus.PENDING


def test_acting_needs_a_post(as_support, ingest):
    purchase = ingest("100.00")
    assert as_support.get(act("purchases_purchase", purchase.pk, "confirm")).status_code == 405
