"""Finding purchases, payouts and ledger entries: partial searches and a from / to date range."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from purchases.models import Purchase
from tests.admin.conftest import changelist

PURCHASES = changelist("purchases_purchase")


def shown(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def test_purchases_are_found_by_part_of_an_email_a_merchant_name_or_an_external_id_prefix(as_support, ingest, user):
    purchase = ingest("100.00", external_id="order-77-abc")
    local = user.email.split("@")[0]
    for term in (local[1:], purchase.merchant.name[2:].upper(), "order-77"):
        assert "order-77-abc" in shown(as_support, f"{PURCHASES}?q={term}"), term
    assert "order-77-abc" not in shown(as_support, f"{PURCHASES}?q=77-abc")  # a prefix, not any part


def test_a_date_range_keeps_the_days_from_and_to_inclusive(as_support, ingest):
    old = ingest("100.00", external_id="old-one")
    ingest("100.00", external_id="recent-one")
    Purchase.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=40))
    today = timezone.now().date()
    html = shown(as_support, f"{PURCHASES}?created_at__since={today - timedelta(days=7)}&created_at__until={today}")
    assert "recent-one" in html and "old-one" not in html
    html = shown(as_support, f"{PURCHASES}?created_at__until={today - timedelta(days=40)}")
    assert "old-one" in html and "recent-one" not in html


def test_a_bad_date_is_shown_as_an_error_and_filters_nothing(as_support, ingest):
    ingest("100.00", external_id="still-here")
    html = shown(as_support, f"{PURCHASES}?created_at__since=31-12-2024")
    assert "still-here" in html and "Enter dates as YYYY-MM-DD" in html


def test_payouts_and_the_ledger_have_the_date_range_too(as_finance, make_payout, user):
    make_payout(user, "20.00")
    today = timezone.now().date()
    for screen in ("payouts_payout", "wallets_walletentry"):
        assert "€20.00" in shown(
            as_finance, f"{changelist(screen)}?created_at__since={today}&created_at__until={today}"
        )
        html = shown(as_finance, f"{changelist(screen)}?created_at__until={today - timedelta(days=1)}")
        assert "€20.00" not in html.split('id="changelist-filter"')[0]


def test_the_fraud_queue_sorts_by_amount_and_by_age(as_support, ingest):
    ingest("2000.00", external_id="order-big")
    ingest("1500.00", external_id="order-tiny")
    queue = changelist("backoffice_flaggedpurchase")
    by_amount = shown(as_support, f"{queue}?o=4")  # the fourth column: amount → cashback
    assert by_amount.index("order-tiny") < by_amount.index("order-big")
    by_age_newest_first = shown(as_support, f"{queue}?o=-1")
    assert by_age_newest_first.index("order-tiny") < by_age_newest_first.index("order-big")
