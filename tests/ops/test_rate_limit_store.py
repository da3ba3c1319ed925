"""Without REDIS_URL, rate limits are counted in PostgreSQL and still hold across workers."""

from __future__ import annotations

import json
from collections import Counter

import pytest

from clicknback.testing_server import running_server
from tests.ops.helpers import json_lines, request, worker_held_busy


@pytest.mark.django_db(transaction=True)
def test_the_login_limit_is_shared_by_two_workers_without_redis():
    # An hour-long window, so the test never straddles a window boundary.
    env = {"REDIS_URL": "", "LOGIN_RATE_LIMIT": "5/h", "LOG_FORMAT": "json"}
    credentials = {"email": "nobody@example.com", "password": "Wrong-password-1"}
    with running_server(workers=2, env=env) as server:
        login = server.url + "/api/v1/auth/login"
        ready = json.loads(request(server.url + "/health/ready")[2])
        # Pin one worker; five failed logins go to the other one and use up the limit.
        with worker_held_busy(server.url, "/api/v1/auth/login", method="POST", body=credentials) as held:
            statuses = [request(login, method="POST", body=credentials)[0] for _ in range(5)]
        assert statuses == [401] * 5
        # The pinned worker had counted none of them itself, and still refuses.
        assert held.status == 429
        assert json.loads(held.body)["error"]["code"] == "RATE_LIMITED"
        later = [request(login, method="POST", body=credentials) for _ in range(4)]
        assert [status for status, _, _ in later] == [429] * 4
        assert all(int(headers["Retry-After"]) > 0 for _, headers, _ in later)

        output = server.output()
    assert ready["checks"] == {"database": "ok", "rate_limit_store": "postgresql"}
    logins = [line for line in json_lines(output) if line.get("route") == "/api/v1/auth/login"]
    assert len(logins) == 10
    assert len(Counter(line["pid"] for line in logins)) == 2
