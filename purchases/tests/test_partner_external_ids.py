"""External ids are unique per partner: two networks may use the same order ids, and a partner
learns nothing of another's purchases."""

import json
from collections import Counter

import pytest
from rest_framework.test import APIClient

from accounts.authentication import signature_header
from accounts.tests.factories import PartnerFactory
from clicknback.testing import error_code, run_at_once
from purchases.models import Purchase
from purchases.tests.conftest import WEBHOOK
from wallets.models import WalletEntry


def post_as(partner, payload: dict):
    body = json.dumps(payload).encode()
    return APIClient().post(
        WEBHOOK,
        data=body,
        content_type="application/json",
        HTTP_X_PARTNER_KEY=partner.key,
        HTTP_X_SIGNATURE=signature_header(partner.secret, body),
    )


@pytest.mark.django_db
def test_two_partners_may_report_the_same_external_id(signed_post, created_payload, partner):
    other = PartnerFactory()
    mine = signed_post(WEBHOOK, created_payload(external_id="order-42"))
    theirs = post_as(other, created_payload(external_id="order-42"))
    assert (mine.status_code, theirs.status_code) == (201, 201), theirs.json()
    assert mine.json()["id"] != theirs.json()["id"]
    assert dict(Purchase.objects.values_list("partner_id", "external_id")) == {
        partner.id: "order-42",
        other.id: "order-42",
    }
    assert WalletEntry.objects.count() == 2


@pytest.mark.django_db
def test_a_duplicate_answers_the_senders_own_purchase_id(signed_post, created_payload):
    other = PartnerFactory()
    theirs = post_as(other, created_payload(external_id="order-42"))
    mine = signed_post(WEBHOOK, created_payload(external_id="order-42"))

    again = signed_post(WEBHOOK, created_payload(external_id="order-42"))

    assert again.status_code == 409
    assert error_code(again) == "DUPLICATE_PURCHASE"
    assert again.json()["error"]["details"] == {"purchase_id": mine.json()["id"]}
    assert theirs.json()["id"] not in again.content.decode()
    assert Purchase.objects.count() == 2


@pytest.mark.django_db
@pytest.mark.parametrize(("event", "status"), [("purchase.confirmed", "confirmed"), ("purchase.reversed", "reversed")])
def test_events_find_the_senders_purchase_by_its_external_id(signed_post, created_payload, event, status):
    other = PartnerFactory()
    theirs = post_as(other, created_payload(external_id="order-42")).json()
    mine = signed_post(WEBHOOK, created_payload(external_id="order-42")).json()

    response = signed_post(WEBHOOK, {"event": event, "external_id": "order-42"})

    assert response.status_code == 200
    assert (response.json()["id"], response.json()["status"]) == (mine["id"], status)
    assert Purchase.objects.get(pk=theirs["id"]).status == "pending"


@pytest.mark.django_db(transaction=True)
@pytest.mark.slow
def test_concurrent_reports_of_one_external_id_by_two_partners_both_succeed_once(created_payload, partner):
    other = PartnerFactory()
    payload = created_payload(external_id="same-order")
    responses = run_at_once([lambda p=p: post_as(p, payload) for p in [partner, other] * 5])
    assert Counter(r.status_code for r in responses) == {201: 2, 409: 8}
    by_partner = dict(Purchase.objects.values_list("partner_id", "id"))
    assert set(by_partner) == {partner.id, other.id}
    # Each partner's duplicates name its own purchase.
    for sender, response in zip([partner, other] * 5, responses, strict=True):
        if response.status_code == 409:
            assert response.json()["error"]["details"] == {"purchase_id": str(by_partner[sender.id])}
