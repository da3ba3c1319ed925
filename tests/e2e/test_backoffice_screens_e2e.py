"""The back-office on the demo data, in a real headless Chromium at 1400 x 900 with the sidebar open:
every column staff decide on is on screen without scrolling, and a staff member acts from the detail
pages. Screenshots of the main screens are saved under artifacts/screenshots/ (git-ignored)."""

from __future__ import annotations

import io
import shutil
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import call_command

from accounts.demo import DEMO_ADMIN, DEMO_PARTNER_NAME, DEMO_USER
from accounts.models import User
from accounts.tests.factories import DEFAULT_PASSWORD, UserFactory
from backoffice.groups import FINANCE
from clicknback.admin_format import money
from tests.e2e.test_backoffice_e2e import CHROMIUM_ARGS
from wallets.models import EntryType, Wallet, WalletEntry

VIEWPORT = {"width": 1400, "height": 900}
SCREENSHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"
# Each screen's deciding columns, by header text.
DECIDING_COLUMNS = {
    "backoffice/flaggedpurchase": ("Received", "Purchase", "User and record", "Amount → cashback", "Flagged because"),
    "purchases/purchase": ("Received", "Purchase", "User", "Amount", "Cashback", "Flag"),
    "backoffice/requestedpayout": ("Requested", "User", "Amount", "To", "User's balance"),
    "payouts/payout": ("Requested", "User", "Amount", "To", "Processed"),
    "accounts/partner": ("Name", "Last webhook", "Created", "Duplicates", "Rejected", "Bad signatures"),
}

pytestmark = [pytest.mark.slow, pytest.mark.requires_server("chromium"), pytest.mark.django_db(transaction=True)]


@pytest.fixture
def staff_page(live_server, monkeypatch):
    """A logged-in browser page of the demo admin, on the demo data."""
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    call_command("seed_demo", stdout=io.StringIO())
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=shutil.which("chromium"), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport=VIEWPORT)
            page.set_default_timeout(15_000)
            log_in(page, live_server.url, *DEMO_ADMIN)
            page.wait_for_selector("#dashboard")
            page.screenshot(path=SCREENSHOTS / "dashboard.png", full_page=True)
            yield page
        finally:
            browser.close()


def test_every_deciding_column_is_on_screen_with_the_sidebar_open(staff_page, live_server):
    from playwright.sync_api import expect

    for screen, headers in DECIDING_COLUMNS.items():
        staff_page.goto(f"{live_server.url}/admin/{screen}/")
        expect(staff_page.locator("#nav-sidebar")).to_be_visible()
        staff_page.screenshot(path=SCREENSHOTS / f"{screen.replace('/', '-')}.png", full_page=True)
        # The table scrolls inside its results area: a header is seen only if inside that area too.
        area = staff_page.locator("#changelist .results").bounding_box()
        right = min(VIEWPORT["width"], area["x"] + area["width"])
        for header in headers:
            box = staff_page.locator("#result_list thead th", has_text=header).first.bounding_box()
            assert box is not None, f"{screen}: no column {header!r}"
            assert box["x"] >= area["x"] and box["x"] + box["width"] <= right, f"{screen}: {header!r} at {box}"
    # A partner's page shows its health over the last seven days (the demo partner's history).
    staff_page.goto(f"{live_server.url}/admin/accounts/partner/")
    staff_page.locator("#result_list tbody tr a", has_text=DEMO_PARTNER_NAME).click()
    expect(staff_page.locator("#partner-health tbody tr")).to_have_count(7)
    staff_page.screenshot(path=SCREENSHOTS / "partner-health.png", full_page=True)


def test_staff_clear_a_flag_and_fail_a_payout_from_the_detail_pages(staff_page, live_server):
    from playwright.sync_api import expect

    staff_page.goto(f"{live_server.url}/admin/backoffice/flaggedpurchase/")
    staff_page.locator("#result_list tbody tr a", has_text="demo-order-1005").click()
    staff_page.screenshot(path=SCREENSHOTS / "fraud-case.png", full_page=True)
    staff_page.click("#do-clear_flag input[type=submit]")
    expect(staff_page.locator("ul.messagelist")).to_contain_text(
        "Purchase demo-order-1005: flag cleared and confirmed, since the partner had already settled it"
    )
    expect(staff_page.locator("#cannot-clear_flag")).to_contain_text("it is not flagged")

    staff_page.goto(f"{live_server.url}/admin/backoffice/requestedpayout/")
    staff_page.locator("#result_list tbody tr th a").first.click()
    staff_page.screenshot(path=SCREENSHOTS / "payout-case.png", full_page=True)
    staff_page.fill("#reason-fail", "The bank account is closed.")
    staff_page.click("#do-fail input[type=submit]")
    expect(staff_page.locator("ul.messagelist")).to_contain_text("failed, amount returned to available")
    expect(staff_page.locator("#cannot-fail")).to_contain_text("it is already failed")


def log_in(page, base_url: str, email: str, password: str) -> None:
    page.goto(f"{base_url}/admin/login/?next=/admin/")
    page.fill("#id_username", email)
    page.fill("#id_password", password)
    page.click("input[type=submit]")


def test_the_customer_page_shows_the_users_figures(staff_page, live_server):
    from playwright.sync_api import expect

    user = User.objects.get(email=DEMO_USER[0])
    wallet = Wallet.objects.get(user=user)
    staff_page.goto(f"{live_server.url}/admin/purchases/purchase/")
    staff_page.locator("#result_list a.bo-user").first.click()
    expect(staff_page.locator("#balance-available")).to_contain_text(money(wallet.available))
    expect(staff_page.locator("#balance-paid")).to_contain_text(money(wallet.paid))
    expect(staff_page.locator("#customer-purchases")).to_contain_text("demo-order-1005")
    staff_page.fill("#add-note textarea", "Called about the large order.")
    staff_page.click("#add-note input[type=submit]")
    expect(staff_page.locator("#customer-notes")).to_contain_text("Called about the large order.")
    staff_page.screenshot(path=SCREENSHOTS / "customer.png", full_page=True)


def test_an_adjustment_needs_a_second_person_and_lands_as_one_ledger_entry(staff_page, live_server):
    from django.contrib.auth.models import Group
    from playwright.sync_api import expect

    user = User.objects.get(email=DEMO_USER[0])
    adjustments_before = WalletEntry.objects.filter(wallet__user=user, type=EntryType.ADJUSTMENT).count()
    staff_page.goto(f"{live_server.url}/admin/wallets/adjustment/add/")
    staff_page.fill("#id_user", str(user.pk))
    staff_page.fill("#id_amount", "10.00")
    staff_page.fill("#id_reason", "Goodwill: late payout")
    staff_page.click("input[name=_save]")
    staff_page.locator("#result_list tbody tr th a").first.click()
    expect(staff_page.locator("#cannot-approve")).to_contain_text("you proposed it")
    staff_page.screenshot(path=SCREENSHOTS / "adjustment-proposed.png", full_page=True)
    adjustment_page = staff_page.url

    checker = UserFactory(email="checker@example.com", is_staff=True)
    checker.groups.add(Group.objects.get(name=FINANCE))
    context = staff_page.context.browser.new_context(viewport=VIEWPORT)
    try:
        second = context.new_page()
        log_in(second, live_server.url, checker.email, DEFAULT_PASSWORD)
        second.goto(adjustment_page)
        second.click("#do-approve input[type=submit]")
        expect(second.locator("ul.messagelist")).to_contain_text("approved and posted to the ledger")
    finally:
        context.close()
    entries = WalletEntry.objects.filter(wallet__user=user, type=EntryType.ADJUSTMENT)
    assert entries.count() == adjustments_before + 1
    assert entries.order_by("-sequence").first().available_delta == Decimal("10.00")
