"""Fire several API requests at the same moment from real threads (each with its own DB connection)."""

from __future__ import annotations

import threading
from typing import Any

from django.db import connection
from rest_framework.test import APIClient


def post_at_once(path: str, calls: list[tuple[APIClient, dict[str, Any]]]) -> list[Any]:
    barrier = threading.Barrier(len(calls))
    responses: list[Any] = [None] * len(calls)

    def post(index: int) -> None:
        client, payload = calls[index]
        try:
            barrier.wait(timeout=10)
            responses[index] = client.post(path, payload, format="json")
        finally:
            connection.close()

    threads = [threading.Thread(target=post, args=(index,)) for index in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert all(response is not None for response in responses), "a request did not finish"
    return responses
