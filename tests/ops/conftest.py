"""Fixtures for the operations tests: capture log lines exactly as production would write them."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from clicknback.testing import production_log_capture
from tests.ops.helpers import json_lines


@pytest.fixture
def json_log() -> Iterator[Callable[[], list[dict[str, Any]]]]:
    """The root logger's records, through the same filters and JSON formatter as LOG_FORMAT=json.

    Call the yielded function to get the lines so far; `json_log.raw()` is the text itself.
    """
    with production_log_capture() as stream:

        def lines() -> list[dict[str, Any]]:
            return json_lines(stream.getvalue())

        lines.raw = stream.getvalue  # type: ignore[attr-defined]
        yield lines
