"""My cashback: balances, the ledger as sentences, purchases, the monthly chart; only one's own."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from accounts.tests.factories import UserFactory
from clicknback.actors import Actor
from purchases.services import purchase_confirm, purchase_reverse
from wallets.tests.helpers import fund_wallet
from web.presenters import day

pytestmark = pytest.mark.django_db


def history(response) -> list[str]:
    return [line.text for line in response.context["history"]]


def test_balances_history_and_purchases_in_words(member, user, merchant, ingest, admin_user):
    merchant.name, merchant.confirmation_days = "Gadget Hub", 14
    merchant.save()
    bought = timezone.now() - timedelta(days=1)
    pending = ingest("100.00", purchased_at=bought)
    confirmed = ingest("50.00")
    purchase_confirm(purchase_id=confirmed.id, actor=Actor.for_user(admin_user))
    reversed_ = ingest("30.00")
    purchase_reverse(purchase_id=reversed_.id, reason="Order returned", actor=Actor.for_user(admin_user))

    response = member.get("/cashback/")
    assert response.status_code == 200
    wallet = response.context["wallet"]
    assert (wallet.pending, wallet.available, wallet.paid) == (Decimal("10.00"), Decimal("5.00"), Decimal("0.00"))
    until = day(bought.astimezone(UTC).date() + timedelta(days=14))
    lines = history(response)
    assert lines[0] == "Cashback from Gadget Hub cancelled (Order returned)"
    assert "Cashback from Gadget Hub confirmed: you can withdraw it" in lines
    assert f"Cashback from Gadget Hub, pending until {until}" in lines
    html = response.content.decode()
    assert "€10.00" in html and "€5.00" in html and f"until {until}" in html
    assert [p.id for p in response.context["purchases"]] == [reversed_.id, confirmed.id, pending.id]


def test_the_chart_stacks_confirmed_and_pending_cashback_per_month(member, user, ingest, admin_user):
    ingest("100.00")
    confirmed = ingest("20.00")
    purchase_confirm(purchase_id=confirmed.id, actor=Actor.for_user(admin_user))
    chart = member.get("/cashback/").context["chart"]
    totals = {s.label: s.values[-1] for s in chart.series}
    assert totals == {"Confirmed": Decimal("2.00"), "Pending": Decimal("10.00")}
    assert len(chart.series[0].values) == 12
    assert chart.day_labels[-1].label == datetime.now(UTC).strftime("%b %Y")


def test_the_page_shows_only_the_members_own_money(member, other_member, ingest):
    ingest("100.00")
    fund_wallet(other_member.user, Decimal("99.00"))
    mine = member.get("/cashback/")
    theirs = other_member.get("/cashback/")
    assert history(theirs) == ["Correction by our support team"]
    assert list(theirs.context["purchases"]) == []
    assert theirs.context["wallet"].pending == Decimal("0.00")
    assert len(history(mine)) == 1 and mine.context["wallet"].available == Decimal("0.00")


def test_a_member_without_a_wallet_sees_zeros_and_creates_nothing(member):
    from wallets.models import Wallet

    response = member.get("/cashback/")
    assert response.status_code == 200 and history(response) == []
    assert not Wallet.objects.exists()


def test_the_page_costs_the_same_for_a_long_history(member, user, ingest, django_assert_max_num_queries):
    for _ in range(30):
        ingest("10.00")
    with django_assert_max_num_queries(12):
        response = member.get("/cashback/")
    assert len(history(response)) == 20 and response.context["history_older"]
    assert len(history(member.get("/cashback/?history=2"))) == 10


def test_anonymous_visitors_are_sent_to_sign_in(site):
    assert site.get("/cashback/")["Location"].startswith("/signin/")


def test_a_staff_account_gets_the_sites_403(db):
    from web.tests.conftest import SiteClient

    assert SiteClient(UserFactory(is_staff=True)).get("/cashback/").status_code == 403
