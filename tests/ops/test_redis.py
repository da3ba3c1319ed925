"""With REDIS_URL, rate limits hold across workers; /health/ready reports a lost Redis."""

from __future__ import annotations

import json
import uuid
from collections import Counter

import pytest
import redis

from clicknback.testing_server import free_port, running_server
from tests.ops.helpers import json_lines, request, worker_held_busy

# The machine's Redis; a database number of its own and a key prefix per test, so nothing collides.
REDIS_URL = "redis://127.0.0.1:6379/13"


@pytest.fixture
def redis_env():
    prefix = f"ops-test-{uuid.uuid4().hex}"
    yield {"REDIS_URL": REDIS_URL, "CACHE_KEY_PREFIX": prefix, "LOG_FORMAT": "json"}
    client = redis.Redis.from_url(REDIS_URL)
    for key in client.scan_iter(f"{prefix}:*"):
        client.delete(key)
    client.close()


@pytest.mark.requires_server("redis")
@pytest.mark.django_db(transaction=True)
def test_the_login_limit_is_shared_by_two_workers(redis_env):
    # An hour-long window, so the test never straddles a window boundary.
    env = {**redis_env, "LOGIN_RATE_LIMIT": "5/h"}
    credentials = {"email": "nobody@example.com", "password": "Wrong-password-1"}
    with running_server(workers=2, env=env) as server:
        login = server.url + "/api/v1/auth/login"
        # Pin one worker; five failed logins go to the other one and use up the limit.
        with worker_held_busy(server.url, "/api/v1/auth/login", method="POST", body=credentials) as held:
            statuses = [request(login, method="POST", body=credentials)[0] for _ in range(5)]
        assert statuses == [401] * 5
        # The pinned worker had seen none of them itself, and still refuses: the count is in Redis.
        assert held.status == 429
        assert json.loads(held.body)["error"]["code"] == "RATE_LIMITED"
        later = [request(login, method="POST", body=credentials) for _ in range(4)]
        assert [status for status, _, _ in later] == [429] * 4
        assert all(int(headers["Retry-After"]) > 0 for _, headers, _ in later)

        output = server.output()
    logins = [line for line in json_lines(output) if line.get("route") == "/api/v1/auth/login"]
    assert len(logins) == 10
    assert len(Counter(line["pid"] for line in logins)) == 2
    assert "Wrong-password-1" not in output


@pytest.mark.django_db(transaction=True)
def test_ready_is_503_when_redis_is_down():
    env = {"REDIS_URL": f"redis://127.0.0.1:{free_port()}/0"}  # nothing listens there
    with running_server(workers=1, env=env) as server:
        status, _, body = request(server.url + "/health/ready")
        login_status, login_headers, login_body = request(
            server.url + "/api/v1/auth/login", method="POST", body={"email": "a@example.com", "password": "x-123456"}
        )

    assert status == 503
    ready = json.loads(body)
    assert ready["status"] == "unavailable"
    assert ready["checks"]["database"] == "ok"
    assert ready["checks"]["redis"].startswith("error")
    # A request that needs the rate-limit counters is refused in the envelope, not a 500.
    assert login_status == 503
    assert json.loads(login_body)["error"]["code"] == "SERVICE_UNAVAILABLE"
    assert login_headers["Retry-After"]


@pytest.mark.requires_server("redis")
@pytest.mark.django_db(transaction=True)
def test_ready_checks_redis_when_configured(redis_env):
    with running_server(workers=1, env=redis_env) as server:
        status, _, body = request(server.url + "/health/ready")

    assert status == 200
    assert json.loads(body) == {
        "status": "ok",
        "checks": {"database": "ok", "redis": "ok", "rate_limit_store": "redis"},
    }
