"""The back-office screens for offers and merchants: fast lists, service-backed saves and bulk actions."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.test import Client

from merchants.models import Merchant
from merchants.tests.factories import InactiveMerchantFactory, MerchantFactory
from offers.models import Offer, OfferStatus
from offers.selectors import utc_today
from offers.tests.factories import OfferFactory
from tests.admin.conftest import message_texts

pytestmark = pytest.mark.django_db

OFFERS = "/admin/offers/offer/"
MERCHANTS = "/admin/merchants/merchant/"
NO_INLINE_OFFERS = {"offers-TOTAL_FORMS": "0", "offers-INITIAL_FORMS": "0"}


def offer_form(merchant: Merchant, **changes) -> dict:
    return {
        "merchant": str(merchant.pk),
        "cashback_type": "percent",
        "cashback_value": "5.00",
        "starts_on": "2030-01-01",
        "ends_on": "2030-01-31",
        "monthly_cap_per_user": "",
        "min_purchase_amount": "",
        "max_cashback_per_purchase": "",
        **changes,
    }


# --- list pages -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "query",
    ["", "?status__exact=inactive", "?valid_today=yes", "?valid_today=no", "?q=Acme", "?cashback_type__exact=fixed"],
)
def test_offer_list_page_and_filters(staff: Client, query: str) -> None:
    OfferFactory(merchant=MerchantFactory(name="Acme"))
    assert staff.get(OFFERS + query).status_code == 200


def test_valid_today_filter(staff: Client) -> None:
    today = utc_today()
    current = OfferFactory()
    OfferFactory(starts_on=today + timedelta(days=1), ends_on=today + timedelta(days=5))
    OfferFactory(status=OfferStatus.INACTIVE)
    shown = list(staff.get(OFFERS + "?valid_today=yes").context["cl"].queryset)
    assert shown == [current]
    assert current not in staff.get(OFFERS + "?valid_today=no").context["cl"].queryset


@pytest.mark.parametrize("rows", [3, 30])
def test_offer_list_page_query_count_is_fixed(staff: Client, django_assert_max_num_queries, rows: int) -> None:
    OfferFactory.create_batch(rows)
    with django_assert_max_num_queries(12):
        response = staff.get(OFFERS)
    assert response.context["cl"].result_count == rows


# --- saves through the services -------------------------------------------------------------


def test_add_offer(staff: Client) -> None:
    merchant = MerchantFactory()
    response = staff.post(f"{OFFERS}add/", offer_form(merchant))
    assert response.status_code == 302, response.context["adminform"].form.errors
    offer = Offer.objects.get()
    assert (offer.merchant, offer.status, offer.cashback_value) == (merchant, OfferStatus.ACTIVE, 5)


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"cashback_value": "25.00"}, "cashback_value", "A percent cashback must be at most 20.00."),
        ({"ends_on": "2029-12-31"}, "ends_on", "Must be on or after starts_on."),
        ({"monthly_cap_per_user": "0"}, "monthly_cap_per_user", "Must be greater than 0."),
        ({"min_purchase_amount": "-1"}, "min_purchase_amount", "Must be 0 or greater."),
        ({"starts_on": "0001-01-01"}, "starts_on", "Must be between 2000-01-01 and 2100-12-31."),
        ({"ends_on": "2101-01-01"}, "ends_on", "Must be between 2000-01-01 and 2100-12-31."),
    ],
)
def test_add_offer_form_applies_the_api_rules(staff: Client, changes: dict, field: str, message: str) -> None:
    response = staff.post(f"{OFFERS}add/", offer_form(MerchantFactory(), **changes))
    assert response.status_code == 200
    assert response.context["adminform"].form.errors[field] == [message]
    assert not Offer.objects.exists()


def test_add_offer_for_inactive_merchant_is_a_form_error(staff: Client) -> None:
    response = staff.post(f"{OFFERS}add/", offer_form(InactiveMerchantFactory()))
    assert response.context["adminform"].form.errors["merchant"] == ["The merchant is inactive."]


def test_add_overlapping_offer_is_a_form_error(staff: Client) -> None:
    merchant = MerchantFactory()
    OfferFactory(merchant=merchant, starts_on=date(2030, 1, 20), ends_on=date(2030, 2, 20))
    response = staff.post(f"{OFFERS}add/", offer_form(merchant))
    assert response.status_code == 200
    assert "Another active offer of this merchant overlaps these dates." in str(
        response.context["adminform"].form.errors
    )
    assert Offer.objects.count() == 1


def test_extending_an_offer_into_an_overlap_is_reported_not_a_500(staff: Client) -> None:
    merchant = MerchantFactory()
    first = OfferFactory(merchant=merchant, starts_on=date(2030, 1, 1), ends_on=date(2030, 1, 10))
    second = OfferFactory(merchant=merchant, starts_on=date(2030, 1, 11), ends_on=date(2030, 1, 20))
    form = {"ends_on": "2030-01-15", "status": "active", "monthly_cap_per_user": ""}
    form |= {"min_purchase_amount": "", "max_cashback_per_purchase": ""}
    response = staff.post(f"{OFFERS}{first.pk}/change/", form)
    assert response.status_code == 302
    assert message_texts(response) == [
        f"Another active offer of this merchant overlaps these dates. (offer_id: {second.pk})"
    ]
    first.refresh_from_db()
    assert first.ends_on == date(2030, 1, 10)


def test_change_offer_goes_through_the_service(staff: Client) -> None:
    offer = OfferFactory(starts_on=date(2030, 1, 1), ends_on=date(2030, 1, 10))
    form = {"ends_on": "2030-02-10", "status": "inactive", "monthly_cap_per_user": "30.00"}
    form |= {"min_purchase_amount": "", "max_cashback_per_purchase": "", "cashback_value": "19.00"}
    response = staff.post(f"{OFFERS}{offer.pk}/change/", form)
    assert response.status_code == 302
    offer.refresh_from_db()
    assert (offer.ends_on, offer.status, offer.monthly_cap_per_user) == (date(2030, 2, 10), "inactive", 30)
    assert offer.cashback_value == 10  # fixed at creation: the posted value is ignored


# --- bulk actions ---------------------------------------------------------------------------


def test_bulk_deactivate_and_activate_offers(staff: Client) -> None:
    offers = OfferFactory.create_batch(2)
    ids = [str(offer.pk) for offer in offers]
    response = staff.post(OFFERS, {"action": "deactivate", "_selected_action": ids})
    assert response.status_code == 302
    assert "2 offer(s) set to inactive." in message_texts(response)
    assert set(Offer.objects.values_list("status", flat=True)) == {OfferStatus.INACTIVE}
    staff.post(OFFERS, {"action": "activate", "_selected_action": ids})
    assert set(Offer.objects.values_list("status", flat=True)) == {OfferStatus.ACTIVE}


def test_bulk_activate_reports_an_overlap_and_activates_the_rest(staff: Client) -> None:
    merchant = MerchantFactory()
    active = OfferFactory(merchant=merchant, starts_on=date(2030, 1, 1), ends_on=date(2030, 1, 31))
    clashing = OfferFactory(
        merchant=merchant, starts_on=date(2030, 1, 15), ends_on=date(2030, 2, 15), status=OfferStatus.INACTIVE
    )
    free = OfferFactory(status=OfferStatus.INACTIVE)
    response = staff.post(OFFERS, {"action": "activate", "_selected_action": [str(clashing.pk), str(free.pk)]})
    assert response.status_code == 302
    texts = message_texts(response)
    assert any("overlaps" in text and str(active.pk) in text for text in texts), texts
    assert "1 offer(s) set to active." in texts
    clashing.refresh_from_db()
    free.refresh_from_db()
    assert (clashing.status, free.status) == (OfferStatus.INACTIVE, OfferStatus.ACTIVE)


def test_bulk_activate_two_offers_that_overlap_each_other(staff: Client) -> None:
    merchant = MerchantFactory()
    first, second = (
        OfferFactory(merchant=merchant, starts_on=start, ends_on=start + timedelta(days=20), status="inactive")
        for start in (date(2030, 1, 1), date(2030, 1, 10))
    )
    response = staff.post(OFFERS, {"action": "activate", "_selected_action": [str(first.pk), str(second.pk)]})
    assert response.status_code == 302
    assert Offer.objects.filter(status=OfferStatus.ACTIVE).get() == first
    assert any(str(first.pk) in text for text in message_texts(response))
