"""Shops: the list with its search and category filter, a shop's terms in plain words, and
"Activate cashback" recording a click through the clicks service."""

from __future__ import annotations

from decimal import Decimal

import pytest

from clicks.models import Click
from merchants.tests.factories import InactiveMerchantFactory, MerchantFactory
from offers.models import CashbackType
from offers.tests.factories import OfferFactory
from web.tests.conftest import SiteClient

pytestmark = pytest.mark.django_db

TRACKING = "https://track.example.com/go?c={click_id}"


def shop_names(response) -> list[str]:
    return [row["merchant"].name for row in response.context["rows"]]


def test_anyone_sees_active_shops_with_their_offer_today(site):
    OfferFactory(merchant=MerchantFactory(name="Gadget Hub"), cashback_value=Decimal("7.50"))
    MerchantFactory(name="Book Nook")
    InactiveMerchantFactory(name="Closed Shop")
    response = site.get("/")
    assert response.status_code == 200
    assert shop_names(response) == ["Book Nook", "Gadget Hub"]
    html = response.content.decode()
    assert "7.5% cashback" in html and "No cashback today" in html and "Closed Shop" not in html


def test_the_list_costs_the_same_for_many_shops(site, django_assert_num_queries):
    for n in range(5):
        OfferFactory(merchant=MerchantFactory(name=f"Shop {n}", category="Books"))
    # session-less visitor: the page, its count, the offers, the categories
    with django_assert_num_queries(4):
        site.get("/")


def test_search_by_name_and_filter_by_category(site):
    MerchantFactory(name="Gadget Hub", category="Electronics")
    MerchantFactory(name="Gadget Books", category="Books")
    MerchantFactory(name="Book Nook", category="Books")
    assert shop_names(site.get("/", {"q": "gadget"})) == ["Gadget Books", "Gadget Hub"]
    assert shop_names(site.get("/", {"category": "books"})) == ["Book Nook", "Gadget Books"]
    assert shop_names(site.get("/", {"q": "gadget", "category": "Books"})) == ["Gadget Books"]
    response = site.get("/", {"q": "nothing like it"})
    assert shop_names(response) == [] and "No shop matches" in response.content.decode()
    assert response.context["categories"] == ["Books", "Electronics"]


def test_htmx_gets_only_the_results(site):
    MerchantFactory(name="Gadget Hub")
    response = site.get("/", {"q": "gadget"}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert "Gadget Hub" in html and "<html" not in html
    assert "HX-Request" in response["Vary"]
    restore = site.get("/", {"q": "gadget"}, HTTP_HX_REQUEST="true", HTTP_HX_HISTORY_RESTORE_REQUEST="true")
    assert "<html" in restore.content.decode()


def test_the_shop_page_says_the_terms_in_plain_words(site):
    merchant = MerchantFactory(name="Gadget Hub", confirmation_days=14, tracking_url=TRACKING)
    OfferFactory(
        merchant=merchant,
        cashback_type=CashbackType.FIXED,
        cashback_value=Decimal("5.00"),
        min_purchase_amount=Decimal("20.00"),
        max_cashback_per_purchase=Decimal("5.00"),
        monthly_cap_per_user=Decimal("50.00"),
    )
    response = site.get(f"/shops/{merchant.id}/")
    terms = response.context["terms"]
    assert terms[:4] == [
        "You get €5.00 back on every purchase.",
        "Only purchases of €20.00 or more earn cashback.",
        "One purchase earns at most €5.00.",
        "You can earn up to €50.00 a month at Gadget Hub.",
    ]
    assert terms[4].startswith("Your cashback stays pending for 14 days")
    assert "Activate cashback" in response.content.decode()


def test_an_inactive_or_unknown_shop_is_the_sites_404(site):
    merchant = InactiveMerchantFactory()
    response = site.get(f"/shops/{merchant.id}/")
    assert response.status_code == 404 and b"We could not find that page" in response.content


def test_activate_records_a_click_and_sends_the_member_to_the_shop(member, user):
    merchant = MerchantFactory(tracking_url=TRACKING)
    offer = OfferFactory(merchant=merchant)
    response = member.post(f"/shops/{merchant.id}/activate/", HTTP_USER_AGENT="Firefox")
    click = Click.objects.get()
    assert (click.user_id, click.merchant_id, click.offer_id) == (user.id, merchant.id, offer.id)
    assert response.status_code == 302 and response["Location"] == f"https://track.example.com/go?c={click.id}"


def test_activate_without_an_offer_records_nothing_and_says_so(member):
    merchant = MerchantFactory(tracking_url=TRACKING)
    response = member.post(f"/shops/{merchant.id}/activate/", follow=True)
    assert Click.objects.count() == 0
    assert "This shop has no cashback to activate today." in response.content.decode()


def test_activate_needs_a_signed_in_member_a_post_and_the_csrf_token(site, member):
    merchant = OfferFactory(merchant=MerchantFactory(tracking_url=TRACKING)).merchant
    url = f"/shops/{merchant.id}/activate/"
    assert site.post(url)["Location"].startswith("/signin/")
    assert member.get(url).status_code == 405
    assert member.post(url, csrf=False).status_code == 403
    assert Click.objects.count() == 0


def test_a_staff_account_cannot_activate(admin_user):
    merchant = OfferFactory(merchant=MerchantFactory(tracking_url=TRACKING)).merchant
    assert SiteClient(admin_user).post(f"/shops/{merchant.id}/activate/").status_code == 403
