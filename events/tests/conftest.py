"""A JetStream stream of its own for each test, and the purchase and payout fixtures."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from django.test import override_settings

from events.jetstream import JetStream
from payouts.tests.conftest import make_payout  # noqa: F401
from purchases.tests.conftest import created_payload  # noqa: F401 - a fixture shared with purchases


class StreamReader:
    """What a test stream holds, read back message by message."""

    def __init__(self, link: JetStream, name: str) -> None:
        self.link, self.name = link, name

    def messages(self) -> list[Any]:
        info = self.link.run(self.link.js.stream_info(self.name))
        return [self.link.run(self.link.js.get_msg(self.name, seq)) for seq in range(1, info.state.last_seq + 1)]


@pytest.fixture
def jetstream() -> Iterator[StreamReader]:
    """The machine's NATS (`NATS_URL`) or the embedded one, with a stream and subjects unique to
    this test, deleted afterwards: tests never see each other's events."""
    suffix = uuid.uuid4().hex[:12]
    stream, prefix = f"TEST_{suffix}", f"test{suffix}"
    with override_settings(NATS_STREAM=stream, NATS_SUBJECT_PREFIX=prefix):
        link = JetStream().connect()
        try:
            yield StreamReader(link, stream)
        finally:
            link.run(link.js.delete_stream(stream))
            link.close()
