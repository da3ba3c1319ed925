import pytest

from clicknback.testing import error_code

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _small_limit(settings):
    settings.RATELIMIT_ENABLE = True
    settings.LOGIN_RATE_LIMIT = "3/h"  # an hour-long window: the test never straddles two windows


def _assert_limited(response) -> None:
    assert response.status_code == 429
    assert error_code(response) == "RATE_LIMITED"
    assert int(response["Retry-After"]) >= 1


def test_login_is_limited_per_client_ip(login, user):
    for n in range(3):
        assert login(f"someone{n}@example.com", REMOTE_ADDR="203.0.113.7").status_code == 401

    _assert_limited(login(user, REMOTE_ADDR="203.0.113.7"))
    assert login(user, REMOTE_ADDR="203.0.113.8").status_code == 200


def test_login_is_limited_per_email_across_ips(login, user):
    for n in range(3):
        assert login(user, password="wrong-password-1", REMOTE_ADDR=f"198.51.100.{n}").status_code == 401

    _assert_limited(login(user.email.upper(), REMOTE_ADDR="198.51.100.99"))
    assert login("other@example.com", REMOTE_ADDR="198.51.100.99").status_code == 401
