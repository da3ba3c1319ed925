import pytest
from django.db import OperationalError

from clicknback import health

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("path", ["/health/live", "/health/live/"])
def test_live(api_client, path):
    response = api_client.get(path)
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_ready_checks_the_database(api_client):
    response = api_client.get("/health/ready")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"database": "ok", "rate_limit_store": "postgresql"}}


def test_ready_is_503_with_the_failing_check_when_the_database_is_down(api_client, monkeypatch):
    def database_down() -> None:
        raise OperationalError("could not connect to server")

    monkeypatch.setitem(health.READINESS_CHECKS, "database", database_down)
    response = api_client.get("/health/ready")
    assert response.status_code == 503
    assert response.json() == {
        "status": "unavailable",
        "checks": {"database": "error: OperationalError", "rate_limit_store": "postgresql"},
    }
    assert "could not connect" not in response.content.decode()


def test_health_needs_no_token_and_ignores_a_bad_one(api_client):
    assert api_client.get("/health/ready", HTTP_AUTHORIZATION="Bearer junk").status_code == 200
