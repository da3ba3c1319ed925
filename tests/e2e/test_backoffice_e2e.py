"""End to end, in a real headless Chromium: a support agent logs in, reads the dashboard, clears
one flagged purchase from the review queue and reverses another; the user's wallet, read through
the API, shows the outcome."""

from __future__ import annotations

import json
import shutil
import urllib.request
from decimal import Decimal

import pytest

from accounts.tests.factories import DEFAULT_PASSWORD, PartnerFactory, UserFactory
from backoffice.groups import SUPPORT
from clicknback.actors import Actor
from offers.tests.factories import OfferFactory
from purchases.models import Purchase, PurchaseStatus
from purchases.services import purchase_confirm, purchase_ingest

CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

pytestmark = [pytest.mark.slow, pytest.mark.requires_server("chromium"), pytest.mark.django_db(transaction=True)]


def http_json(url: str, *, body: dict | None = None, token: str = "") -> dict:
    """A real HTTP request to the live server, as the user's app would make it."""
    headers = {"Content-Type": "application/json"} | ({"Authorization": f"Bearer {token}"} if token else {})
    data = json.dumps(body).encode() if body is not None else None
    with urllib.request.urlopen(urllib.request.Request(url, data=data, headers=headers), timeout=10) as response:
        return json.load(response)


def api_wallet(base_url: str, user) -> dict:
    """Log in through the API as the user, then GET /api/v1/wallet with that token."""
    login = http_json(f"{base_url}/api/v1/auth/login", body={"email": user.email, "password": DEFAULT_PASSWORD})
    return http_json(f"{base_url}/api/v1/wallet", token=login["access"])


def test_support_clears_and_reverses_flagged_purchases_and_the_wallet_follows(live_server, monkeypatch):
    # The Playwright sync API runs an event loop in this thread; the ORM calls below are still sync.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from django.contrib.auth.models import Group
    from playwright.sync_api import expect, sync_playwright

    agent = UserFactory(email="agent@example.com", is_staff=True)
    agent.groups.add(Group.objects.get(name=SUPPORT))
    shopper = UserFactory(email="shopper@example.com")
    partner = PartnerFactory()
    merchant = OfferFactory(merchant__name="E2E Store").merchant  # 10 % cashback
    flagged = {}
    for external_id, amount in (("e2e-keep", "1500.00"), ("e2e-fraud", "2000.00")):
        flagged[external_id] = purchase_ingest(
            partner=partner,
            external_id=external_id,
            user_id=shopper.id,
            merchant_id=merchant.id,
            amount=Decimal(amount),
            currency="EUR",
            actor=Actor.for_partner(partner),
        )
        assert flagged[external_id].flagged
    # The partner already settled the first one: clearing its flag confirms it at once.
    purchase_confirm(purchase_id=flagged["e2e-keep"].id, actor=Actor.for_partner(partner))
    assert api_wallet(live_server.url, shopper)["pending_balance"] == "350.00"

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=shutil.which("chromium"), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.set_default_timeout(15_000)
            page.goto(f"{live_server.url}/admin/login/?next=/admin/")
            page.fill("#id_username", agent.email)
            page.fill("#id_password", DEFAULT_PASSWORD)
            page.click("input[type=submit]")

            # The dashboard: totals, two purchases waiting for review, the charts.
            expect(page.locator("#dashboard")).to_be_visible()
            expect(page.locator("#total-pending .bo-value")).to_have_text("€350.00")
            expect(page.locator("#queue-flagged .bo-value")).to_have_text("2")
            expect(page.locator("#dashboard svg[role=img]")).to_have_count(7)

            # The review queue, oldest first: clear the first purchase.
            page.click("text=Review flagged purchases")
            expect(page.locator("#result_list tbody tr")).to_have_count(2)
            row = page.locator("#result_list tbody tr", has_text="e2e-keep")
            row.locator("input.action-select").check()
            page.select_option("select[name=action]", "clear_flags")
            page.click("button[name=index]")
            expect(page.locator("ul.messagelist")).to_contain_text(
                "Purchase e2e-keep: flag cleared and confirmed, since the partner had already settled it"
            )

            # Reverse the other one, giving a reason on the intermediate page.
            row = page.locator("#result_list tbody tr", has_text="e2e-fraud")
            row.locator("input.action-select").check()
            page.select_option("select[name=action]", "reverse_purchases")
            page.click("button[name=index]")
            page.fill("textarea[name=reason]", "Card reported stolen")
            page.click("#reason-form input[type=submit]")
            expect(page.locator("ul.messagelist")).to_contain_text(
                "Purchase e2e-fraud: reversed: its cashback was taken back"
            )
            expect(page.locator("#result_list")).to_have_count(0)  # the queue is empty
        finally:
            browser.close()

    statuses = dict(Purchase.objects.values_list("external_id", "status"))
    assert statuses == {"e2e-keep": PurchaseStatus.CONFIRMED, "e2e-fraud": PurchaseStatus.REVERSED}
    wallet = api_wallet(live_server.url, shopper)
    assert (wallet["pending_balance"], wallet["available_balance"], wallet["paid_balance"]) == (
        "0.00",
        "150.00",
        "0.00",
    )
