import pytest

from accounts.tests.factories import AdminFactory
from clicknback.testing import bearer_client, error_code
from merchants.models import Merchant
from merchants.tests.concurrency import post_at_once


@pytest.mark.django_db(transaction=True)
def test_two_admins_creating_one_name_at_once_get_201_and_409() -> None:
    """The unique index decides, not an exists() check: the loser gets MERCHANT_NAME_TAKEN, never a 500."""
    calls = [(bearer_client(AdminFactory()), {"name": name}) for name in ("Racing Shop", "RACING SHOP")]
    responses = post_at_once("/api/v1/merchants", calls)
    assert sorted(response.status_code for response in responses) == [201, 409]
    assert error_code(next(response for response in responses if response.status_code == 409)) == (
        "MERCHANT_NAME_TAKEN"
    )
    assert Merchant.objects.count() == 1
