"""The PostgreSQL rate-limit store (no REDIS_URL): atomic, windowed, purged, named by the checks."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import RequestFactory
from django.utils import timezone

from clicknback.errors import RateLimited
from clicknback.models import RateLimitCounter
from clicknback.ratelimit import check_rate_limit_store, enforce_rate_limit
from clicknback.testing import run_at_once


def _hit(key: str = "k", rate: str = "3/h") -> None:
    enforce_rate_limit(RequestFactory().get("/"), group="test", key=key, rate=rate)


def _outcomes(count: int, **kwargs) -> list[str]:
    outcomes = []
    for _ in range(count):
        try:
            _hit(**kwargs)
            outcomes.append("ok")
        except RateLimited as exc:
            assert 1 <= exc.retry_after <= 3600
            outcomes.append("limited")
    return outcomes


@pytest.mark.django_db
def test_the_limit_is_counted_in_postgresql_per_key():
    assert _outcomes(4) == ["ok", "ok", "ok", "limited"]
    assert _outcomes(1, key="other") == ["ok"]
    assert RateLimitCounter.objects.get(key="test:k").hits == 4


@pytest.mark.django_db
def test_a_window_that_ended_starts_over():
    _outcomes(4)
    RateLimitCounter.objects.update(window_ends_at=timezone.now() - timedelta(seconds=1))

    assert _outcomes(4) == ["ok", "ok", "ok", "limited"]


@pytest.mark.django_db(transaction=True)
def test_concurrent_hits_are_all_counted():
    results = run_at_once([lambda: _hit(rate="10/h") for _ in range(16)])

    assert sum(result is None for result in results) == 10
    assert sum(isinstance(result, RateLimited) for result in results) == 6
    assert RateLimitCounter.objects.get(key="test:k").hits == 16


@pytest.mark.django_db
def test_purge_deletes_only_ended_windows():
    _hit(key="live")
    _hit(key="ended")
    RateLimitCounter.objects.filter(key="test:ended").update(window_ends_at=timezone.now() - timedelta(seconds=1))

    out = StringIO()
    call_command("purge_rate_limit_counters", stdout=out)

    assert list(RateLimitCounter.objects.values_list("key", flat=True)) == ["test:live"]
    assert out.getvalue().startswith("1 expired")


@pytest.mark.parametrize(("store", "named"), [("postgresql", "PostgreSQL"), ("redis", "Redis")])
def test_the_deploy_check_names_the_store(settings, store, named):
    settings.RATE_LIMIT_STORE = store
    [message] = check_rate_limit_store(None)
    assert message.id == "clicknback.I001"
    assert named in message.msg


@pytest.mark.django_db
def test_ready_names_the_store(api_client, settings):
    assert api_client.get("/health/ready").json()["checks"]["rate_limit_store"] == "postgresql"
