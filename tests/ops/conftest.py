"""Fixtures for the operations tests: capture log lines exactly as production would write them."""

from __future__ import annotations

import io
import logging
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from clicknback.logging import JsonFormatter, RedactionFilter
from clicknback.request_context import RequestIdLogFilter
from tests.ops.helpers import json_lines


@pytest.fixture
def json_log() -> Iterator[Callable[[], list[dict[str, Any]]]]:
    """The root logger's records, through the same filters and JSON formatter as LOG_FORMAT=json.

    Call the yielded function to get the lines so far; `json_log.raw()` is the text itself.
    """
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RequestIdLogFilter())
    handler.addFilter(RedactionFilter())
    root = logging.getLogger()
    root.addHandler(handler)

    def lines() -> list[dict[str, Any]]:
        return json_lines(stream.getvalue())

    lines.raw = stream.getvalue  # type: ignore[attr-defined]
    try:
        yield lines
    finally:
        root.removeHandler(handler)
