"""Helpers for tests across apps."""

from __future__ import annotations

import io
import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from django.db import connection
from rest_framework.test import APIClient


def bearer_client(user: Any) -> APIClient:
    """An API client carrying a real access token for `user`, as login would issue it."""
    from accounts.tokens import ClickNBackRefreshToken

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {ClickNBackRefreshToken.for_user(user).access_token}")
    return client


def error_code(response: Any) -> str:
    """The contract code of an error response, after checking the envelope's shape."""
    body = response.json()
    assert set(body) == {"error"}, body
    assert set(body["error"]) == {"code", "message", "details"}, body
    return body["error"]["code"]


_UNFINISHED = object()


def run_at_once(tasks: list[Callable[[], Any]], *, timeout: float = 60) -> list[Any]:
    """Start every task at the same moment, each on its own thread and database connection.

    Returns each task's result, or the exception it raised (a refusal is an outcome to assert on).
    Each thread closes its connection, as a request would; a task still running after `timeout`
    fails the test rather than hanging it.
    """
    barrier = threading.Barrier(len(tasks))
    results: list[Any] = [_UNFINISHED] * len(tasks)

    def run(index: int, task: Callable[[], Any]) -> None:
        try:
            barrier.wait(timeout=timeout)
            results[index] = task()
        except Exception as exc:
            results[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(index, task)) for index, task in enumerate(tasks)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout)
    assert all(result is not _UNFINISHED for result in results), "a concurrent task did not finish"
    return results


@contextmanager
def production_log_capture(level: int | None = None) -> Iterator[io.StringIO]:
    """Log lines as production writes them with LOG_FORMAT=json (same formatter and filters),
    collected from the root logger into a string buffer; `level` lowers the root level meanwhile."""
    from clicknback.logging import JsonFormatter, RedactionFilter
    from clicknback.request_context import RequestIdLogFilter

    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RequestIdLogFilter())
    handler.addFilter(RedactionFilter())
    root = logging.getLogger()
    previous = root.level
    root.addHandler(handler)
    if level is not None:
        root.setLevel(level)
    try:
        yield stream
    finally:
        root.removeHandler(handler)
        root.setLevel(previous)


def the_audit_row() -> Any:
    """The one audit row written so far (failing, with the rows, if there are none or several)."""
    from clicknback.models import AuditLogEntry

    rows = list(AuditLogEntry.objects.order_by("id"))
    assert len(rows) == 1, [(row.action, row.changes) for row in rows]
    return rows[0]


def field_values(instance: Any) -> dict[str, Any] | None:
    """Every concrete field's value (by attname): how a raw query's row is compared with its ORM twin."""
    if instance is None:
        return None
    return {field.attname: getattr(instance, field.attname) for field in instance._meta.concrete_fields}
