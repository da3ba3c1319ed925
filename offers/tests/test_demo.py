from io import StringIO

import pytest

from merchants import demo as merchants_demo
from merchants.models import Merchant
from offers import demo as offers_demo
from offers.models import Offer
from offers.selectors import offer_list_active, utc_today


@pytest.mark.django_db
def test_seed_creates_current_offers_of_both_kinds_and_is_idempotent() -> None:
    for _ in range(2):
        merchants_demo.seed(StringIO())
        offers_demo.seed(StringIO())
    assert Merchant.objects.count() == len(merchants_demo.DEMO_MERCHANTS)
    assert Offer.objects.count() == len(offers_demo.DEMO_OFFERS)
    current = list(offer_list_active())
    assert len(current) == len(offers_demo.DEMO_OFFERS)
    assert {offer.cashback_type for offer in current} == {"percent", "fixed"}
    assert any(offer.monthly_cap_per_user for offer in current)
    assert all((utc_today() - offer.starts_on).days == offers_demo.STARTS_DAYS_AGO for offer in current)
