"""The back-office screens for merchants: a fast list, inline offers, service-backed saves and actions."""

from __future__ import annotations

import pytest
from django.test import Client

from merchants.models import Merchant, MerchantStatus
from merchants.tests.factories import MerchantFactory
from offers.tests.factories import OfferFactory
from tests.admin.conftest import message_texts

pytestmark = pytest.mark.django_db

MERCHANTS = "/admin/merchants/merchant/"
NO_INLINE_OFFERS = {"offers-TOTAL_FORMS": "0", "offers-INITIAL_FORMS": "0"}


@pytest.mark.parametrize("rows", [3, 30])
def test_merchant_list_page_query_count_is_fixed(staff: Client, django_assert_max_num_queries, rows: int) -> None:
    OfferFactory.create_batch(rows)
    with django_assert_max_num_queries(10):
        response = staff.get(MERCHANTS + "?status__exact=active&q=Merchant")
    assert response.context["cl"].result_count == rows


def test_merchant_page_shows_its_offers_inline(staff: Client) -> None:
    offer = OfferFactory(merchant=MerchantFactory(name="Acme"))
    response = staff.get(f"{MERCHANTS}{offer.merchant_id}/change/")
    assert response.status_code == 200
    assert f"/admin/offers/offer/{offer.pk}/change/" in response.content.decode()


def test_bulk_merchant_status_actions(staff: Client) -> None:
    merchants = MerchantFactory.create_batch(2)
    ids = [str(merchant.pk) for merchant in merchants]
    response = staff.post(MERCHANTS, {"action": "deactivate", "_selected_action": ids})
    assert "2 merchant(s) set to inactive." in message_texts(response)
    assert set(Merchant.objects.values_list("status", flat=True)) == {MerchantStatus.INACTIVE}
    staff.post(MERCHANTS, {"action": "activate", "_selected_action": ids})
    assert set(Merchant.objects.values_list("status", flat=True)) == {MerchantStatus.ACTIVE}


def test_add_merchant_and_taken_name(staff: Client) -> None:
    form = {"name": "Acme", "website": "", "confirmation_days": "14", **NO_INLINE_OFFERS}
    assert staff.post(f"{MERCHANTS}add/", form).status_code == 302
    assert Merchant.objects.get().confirmation_days == 14
    response = staff.post(f"{MERCHANTS}add/", form | {"name": "ACME"})
    assert response.status_code == 200
    assert "A merchant with this name exists." in str(response.context["adminform"].form.errors)
    assert Merchant.objects.count() == 1


def test_change_merchant_through_the_service(staff: Client) -> None:
    merchant = MerchantFactory(name="Old")
    form = {"name": "New", "website": "", "status": "inactive", "confirmation_days": "7"}
    form |= NO_INLINE_OFFERS
    response = staff.post(f"{MERCHANTS}{merchant.pk}/change/", form)
    assert response.status_code == 302, response.context["adminform"].form.errors
    merchant.refresh_from_db()
    assert (merchant.name, merchant.status, merchant.confirmation_days, merchant.website) == ("New", "inactive", 7, "")


def test_staff_set_and_clear_a_merchants_category(staff: Client) -> None:
    """The category is edited in the back-office (through merchant_update); blank is none (NULL)."""
    merchant = MerchantFactory(name="Gadget Hub")
    form = {"name": "Gadget Hub", "category": " Electronics ", "website": "", "status": "active"}
    form |= {"confirmation_days": "30", **NO_INLINE_OFFERS}
    assert staff.post(f"{MERCHANTS}{merchant.pk}/change/", form).status_code == 302
    merchant.refresh_from_db()
    assert merchant.category == "Electronics"
    assert staff.post(f"{MERCHANTS}{merchant.pk}/change/", form | {"category": ""}).status_code == 302
    merchant.refresh_from_db()
    assert merchant.category is None
