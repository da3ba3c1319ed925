"""Partner health: every webhook is counted on its partner's day by outcome; signature failures on
the partner whose key was presented."""

import json
import time

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.authentication import signature_header
from accounts.models import PartnerWebhookDay, WebhookOutcome
from accounts.services import webhook_count, webhook_count_signature_failure
from accounts.tests.factories import PartnerFactory
from clicknback.testing import error_code, run_at_once
from purchases.tests.conftest import WEBHOOK
from wallets.tests.helpers import LARGEST, near_the_edge

pytestmark = pytest.mark.django_db


def counts(partner=None) -> dict[tuple[str, str], int]:
    rows = PartnerWebhookDay.objects.filter(partner=partner, day=timezone.now().date())
    return {(row.outcome, row.code): row.count for row in rows}


def test_created_updated_duplicate_and_rejected_are_counted(signed_post, created_payload, partner):
    signed_post(WEBHOOK, created_payload(external_id="h-1"))
    signed_post(WEBHOOK, created_payload(external_id="h-2"))
    signed_post(WEBHOOK, created_payload(external_id="h-1"))  # a duplicate
    signed_post(WEBHOOK, {"event": "purchase.confirmed", "external_id": "h-2"})
    signed_post(WEBHOOK, created_payload(currency="USD"))
    signed_post(WEBHOOK, created_payload(amount="0"))
    signed_post(WEBHOOK, created_payload(user_id="00000000-0000-0000-0000-000000000001"))
    signed_post(WEBHOOK, created_payload(user_id="00000000-0000-0000-0000-000000000001"))

    assert counts(partner) == {
        ("created", ""): 2,
        ("updated", ""): 1,
        ("duplicate", ""): 1,
        ("rejected", "UNSUPPORTED_CURRENCY"): 1,
        ("rejected", "VALIDATION_ERROR"): 1,
        ("rejected", "USER_NOT_ELIGIBLE"): 2,
    }
    before = PartnerWebhookDay.objects.get(partner=partner, outcome="created").last_at
    signed_post(WEBHOOK, created_payload())
    assert PartnerWebhookDay.objects.get(partner=partner, outcome="created").last_at >= before


def test_the_created_count_commits_or_rolls_back_with_its_ingestion(signed_post, created_payload, partner, user):
    """A created purchase is counted inside its ingestion's transaction: an ingestion refused after
    the purchase's INSERT (the wallet's range, checked at the posting) counts as rejected only."""
    signed_post(WEBHOOK, created_payload(external_id="first"))  # the wallet exists from now on
    near_the_edge(user, pending=LARGEST)
    refused = signed_post(WEBHOOK, created_payload(external_id="second"))
    assert error_code(refused) == "AMOUNT_TOO_LARGE"
    assert counts(partner) == {("created", ""): 1, ("rejected", "AMOUNT_TOO_LARGE"): 1}


def _post(partner_key: str, secret: str, *, timestamp: int | None = None, signature: str | None = None):
    body = json.dumps({"event": "purchase.confirmed", "external_id": "x"}).encode()
    return APIClient().post(
        WEBHOOK,
        data=body,
        content_type="application/json",
        HTTP_X_PARTNER_KEY=partner_key,
        HTTP_X_SIGNATURE=signature or signature_header(secret, body, timestamp),
    )


def test_signature_failures_are_counted_on_the_partner_whose_key_was_presented_by_reason():
    misconfigured, bystander = PartnerFactory(), PartnerFactory()
    assert _post(misconfigured.key, "whsec_wrong").status_code == 401
    assert _post(misconfigured.key, "whsec_wrong").status_code == 401
    assert _post(misconfigured.key, misconfigured.secret, timestamp=int(time.time()) - 3600).status_code == 401
    assert _post(misconfigured.key, misconfigured.secret, signature="t=1,v1=zz").status_code == 401

    assert counts(misconfigured) == {
        ("signature_failure", "wrong_signature"): 2,
        ("signature_failure", "stale_timestamp"): 1,
        ("signature_failure", "malformed_signature"): 1,
    }
    assert counts(bystander) == {}


def test_an_inactive_partners_key_counts_on_it_and_unknown_keys_on_no_partner():
    retired = PartnerFactory(active=False)
    assert _post(retired.key, retired.secret).status_code == 401
    assert counts(retired) == {("signature_failure", "no_active_partner"): 1}

    for key in ("pk_unknown_1", "pk_unknown_2", "not a key!"):
        assert _post(key, "whsec_x").status_code == 401
    # One row a day per reason, whatever keys are sent.
    assert counts(None) == {("signature_failure", "no_active_partner"): 2, ("signature_failure", "malformed_key"): 1}


def test_a_good_webhook_costs_no_signature_count(signed_post, created_payload, partner):
    signed_post(WEBHOOK, created_payload())
    assert ("signature_failure", "") not in counts(partner)
    assert not PartnerWebhookDay.objects.filter(outcome="signature_failure").exists()


@pytest.mark.django_db(transaction=True)
def test_concurrent_counts_of_one_day_land_in_one_row_each_counted():
    """The upsert decides: webhooks counted at the same moment never make two rows or lose a count,
    the no-partner bucket (NULLS NOT DISTINCT) included."""
    partner = PartnerFactory()
    tasks = [lambda: webhook_count(partner_id=partner.id, outcome=WebhookOutcome.CREATED)] * 6
    tasks += [lambda: webhook_count_signature_failure(key="pk_nobody", reason="no_active_partner")] * 6
    assert run_at_once(tasks) == [None] * 12
    assert counts(partner) == {("created", ""): 6}
    assert counts(None) == {("signature_failure", "no_active_partner"): 6}
