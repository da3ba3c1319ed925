"""End to end, in a real headless Chromium, on a phone and on a desktop: a visitor signs up,
activates cashback at a shop, the partner reports the purchase through the webhook (over HTTP,
signed), the member sees it pending, then confirmed, withdraws it and sees the payout. Screenshots of
the main pages at both sizes go to artifacts/member-site/ (git-ignored), and axe-core (the npm
package, vendored for this test only in tests/e2e/vendor/) finds no serious or critical
accessibility violation on any of them."""

from __future__ import annotations

import json
import re
import shutil
import urllib.request
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest
from django.conf import settings

from accounts.authentication import signature_header
from accounts.tests.factories import DEFAULT_PASSWORD, PartnerFactory
from merchants.tests.factories import MerchantFactory
from offers.tests.factories import OfferFactory
from payouts.models import Payout
from tests.e2e.test_backoffice_e2e import CHROMIUM_ARGS

pytestmark = [pytest.mark.slow, pytest.mark.requires_server("chromium"), pytest.mark.django_db(transaction=True)]

SHOTS = Path(settings.BASE_DIR) / "artifacts" / "member-site"
VIEWPORTS = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1400, "height": 900}}
TRACKING = "https://shop.example.com/go?cnb={click_id}"
IBAN = "DE89370400440532013000"
AXE = Path(__file__).parent / "vendor" / "axe-core-4.10.2.min.js"
AXE_RUN = """async () => (await axe.run(document, {resultTypes: ["violations"]})).violations
    .filter(v => v.impact === "serious" || v.impact === "critical")
    .map(v => `${v.id} (${v.impact}): ${v.help} at ${v.nodes.map(n => n.target.join(" ")).join(", ")}`)"""


def webhook(base_url: str, partner, body: dict) -> dict:
    """What the partner's system sends: a signed JSON POST to the webhook."""
    raw = json.dumps(body).encode()
    headers = {
        "Content-Type": "application/json",
        "X-Partner-Key": partner.key,
        "X-Signature": signature_header(partner.secret, raw),
    }
    request = urllib.request.Request(f"{base_url}/api/v1/webhooks/purchases", data=raw, headers=headers)
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.load(response)


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_sign_up_activate_buy_confirm_withdraw(live_server, monkeypatch, viewport):
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import expect, sync_playwright

    partner = PartnerFactory()
    merchant = MerchantFactory(name="Gadget Hub", category="Electronics", confirmation_days=14, tracking_url=TRACKING)
    OfferFactory(merchant=merchant)  # 10 %
    OfferFactory(merchant=MerchantFactory(name="Book Nook", category="Books"))
    email = f"{viewport}@example.com"
    SHOTS.mkdir(parents=True, exist_ok=True)

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=shutil.which("chromium"), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport=VIEWPORTS[viewport])
            page.set_default_timeout(15_000)

            violations: dict[str, list[str]] = {}

            def shot(name: str) -> None:
                """A screenshot, and the page's serious or critical accessibility violations."""
                page.screenshot(path=str(SHOTS / f"{name}-{viewport}.png"), full_page=True)
                page.add_script_tag(path=str(AXE))
                found = page.evaluate(AXE_RUN)
                if found:
                    violations[name] = found

            page.goto(f"{live_server.url}/")
            expect(page.locator(".shop-card")).to_have_count(2)
            shot("shops")
            page.get_by_label("Search shops").press_sequentially("book")  # htmx narrows as one types
            expect(page.locator(".shop-card")).to_have_count(1)
            expect(page.locator(".shop-card")).to_contain_text("Book Nook")
            page.goto(f"{live_server.url}/")

            page.get_by_role("link", name="Sign up").click()
            page.get_by_label("Email").fill(email)
            page.get_by_label("Password").fill("short")
            page.get_by_role("button", name="Sign up").click()
            expect(page.locator(".errorlist")).to_contain_text("This password is too short")
            shot("signup-error")
            page.get_by_label("Password").fill(DEFAULT_PASSWORD)
            page.get_by_role("button", name="Sign up").click()
            expect(page.locator(".message")).to_contain_text("Welcome to ClickNBack")

            page.get_by_role("link", name="Gadget Hub").click()
            expect(page.locator(".terms")).to_contain_text("You get 10% of what you spend back as cashback.")
            shot("shop")
            # The activation form, posted as the browser does (its session and CSRF token), stopping at
            # the redirect: the shop's own site is not on this machine and the browser never leaves it.
            activate = page.locator("form", has=page.get_by_role("button", name="Activate cashback"))
            token = activate.locator("input[name=csrfmiddlewaretoken]").input_value()
            sent = page.request.post(
                f"{live_server.url}{activate.get_attribute('action')}",
                form={"csrfmiddlewaretoken": token},
                max_redirects=0,
            )
            assert sent.status == 302, sent.status
            shop_url = sent.headers["location"]
            assert re.match(r"https://shop\.example\.com/go\?cnb=", shop_url), shop_url
            click_id = parse_qs(urlparse(shop_url).query)["cnb"][0]

            purchase = webhook(
                live_server.url,
                partner,
                {
                    "event": "purchase.created",
                    "external_id": f"order-{viewport}",
                    "click_id": click_id,
                    "merchant_id": str(merchant.id),
                    "amount": "150.00",
                    "currency": "EUR",
                },
            )
            assert purchase["cashback_amount"] == "15.00"

            page.goto(f"{live_server.url}/cashback/")
            expect(page.locator("#balance-pending")).to_have_text("€15.00")
            expect(page.locator(".history")).to_contain_text("Cashback from Gadget Hub, pending until")
            shot("cashback-pending")

            webhook(live_server.url, partner, {"event": "purchase.confirmed", "external_id": f"order-{viewport}"})
            page.reload()
            expect(page.locator("#balance-available")).to_have_text("€15.00")
            expect(page.locator("#balance-pending")).to_have_text("€0.00")
            expect(page.locator(".history")).to_contain_text("Cashback from Gadget Hub confirmed")
            shot("cashback-confirmed")

            page.get_by_role("navigation", name="Main").get_by_role("link", name="Withdraw").click()
            page.get_by_label("Amount").fill("12.50")
            page.get_by_label("Send it by").select_option("bank_transfer")
            page.get_by_label("IBAN or PayPal email").fill(IBAN)
            page.get_by_role("button", name="Withdraw").click()
            expect(page.locator(".message")).to_contain_text("Your withdrawal of €12.50 is requested.")
            expect(page.locator("table")).to_contain_text("DE89")
            expect(page.locator("table")).to_contain_text("Requested")
            expect(page.locator("#available")).to_have_text("€2.50")
            shot("withdraw")

            for name, path in (("rewards", "/rewards/"), ("claims", "/claims/"), ("notifications", "/notifications/")):
                page.goto(f"{live_server.url}{path}")
                shot(name)
            page.goto(f"{live_server.url}/no-such-page/")
            expect(page.locator("h1")).to_have_text("We could not find that page")
            shot("404")
            assert violations == {}
        finally:
            browser.close()

    payout = Payout.objects.get(user__email=email)
    assert (str(payout.amount), payout.status) == ("12.50", "requested")
