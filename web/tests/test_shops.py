"""Shops: the list with its search and category filter, a shop's terms in plain words, and
"Activate cashback" recording a click through the clicks service."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from campaigns.models import CampaignEnrollment
from campaigns.services import campaign_update
from campaigns.tests.factories import make_campaign
from clicknback.actors import Actor
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
    # session-less visitor: the page, its count, the offers, the running campaigns, the categories
    with django_assert_num_queries(5):
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


def test_a_running_campaign_is_announced_on_the_shops_it_covers(site):
    gadgets, books = MerchantFactory(name="Gadget Hub"), MerchantFactory(name="Book Nook")
    make_campaign(name="Gadget weekend", kind="multiplier", value="2.00", merchant_ids=[gadgets.id])
    make_campaign(name="Everything bonus", kind="bonus_fixed", value="1.50")
    now = timezone.now()
    make_campaign(name="Ended", starts_at=now - timedelta(days=9), ends_at=now - timedelta(days=2))
    rows = {row["merchant"].name: [c["headline"] for c in row["campaigns"]] for row in site.get("/").context["rows"]}
    assert len(rows["Gadget Hub"]) == 2 and rows["Gadget Hub"][0].startswith("2 times the cashback until")
    assert len(rows["Book Nook"]) == 1 and rows["Book Nook"][0].startswith("+€1.50 extra per purchase until")
    html = site.get(f"/shops/{books.id}/").content.decode()
    assert "Everything bonus" in html and "Gadget weekend" not in html and "Ended" not in html


def test_a_member_joins_a_campaign_that_asks_for_enrollment_from_the_shop_page(member, user):
    merchant = MerchantFactory(name="Gadget Hub")
    campaign = make_campaign(name="Members only", requires_enrollment=True)
    page = f"/shops/{merchant.id}/"
    assert "Join this campaign" in member.get(page).content.decode()
    enroll = f"/shops/{merchant.id}/campaigns/{campaign.id}/enroll/"
    assert member.post(enroll, {}, csrf=False).status_code == 403
    response = member.post(enroll, {}, follow=True)
    assert "You&#x27;re in" in response.content.decode()
    member.post(enroll, {})  # again: still one enrollment
    assert list(CampaignEnrollment.objects.filter(campaign=campaign).values_list("user_id", flat=True)) == [user.id]
    html = member.get(page).content.decode()
    assert "You have joined." in html and "Join this campaign" not in html


def test_joining_an_ended_campaign_says_so_and_enrolls_nobody(member):
    merchant = MerchantFactory()
    campaign = make_campaign(requires_enrollment=True)
    campaign_update(campaign_id=campaign.id, status="ended", actor=Actor.job("tests"))
    response = member.post(f"/shops/{merchant.id}/campaigns/{campaign.id}/enroll/", {}, follow=True)
    assert "not running any more" in response.content.decode()
    assert not CampaignEnrollment.objects.exists()
