"""A synchronous handle on JetStream for the relay and the consumers.

nats-py is asyncio; the Django ORM is not. The relay and the consumers are plain loops that run
one nats-py call at a time on their own event loop (`JetStream.run`) and touch the database between
calls, never while the loop runs.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Coroutine, Sequence
from typing import Any, TypeVar

import nats
from django.conf import settings
from nats.js.api import StorageType, StreamConfig

from clicknback.embedded_nats import nats_url

T = TypeVar("T")

DUPLICATE_WINDOW_SECONDS = 120.0
CONNECT_TIMEOUT_SECONDS = 2.0
PUBLISH_TIMEOUT_SECONDS = 5.0


logger = logging.getLogger("clicknback.nats")


async def _log_error(exc: Exception) -> None:
    logger.debug("NATS: %s", exc)


class NatsUnavailable(Exception):
    """NATS could not be reached or did not acknowledge."""


def subject_for(event_type: str) -> str:
    return f"{settings.NATS_SUBJECT_PREFIX}.{event_type}"


def stream_config() -> StreamConfig:
    return StreamConfig(
        name=settings.NATS_STREAM,
        subjects=[f"{settings.NATS_SUBJECT_PREFIX}.>"],
        storage=StorageType.FILE,
        duplicate_window=DUPLICATE_WINDOW_SECONDS,
    )


class JetStream:
    def __init__(self, url: str | None = None) -> None:
        self.url = url or nats_url()
        self.loop = asyncio.new_event_loop()
        self.client: Any = None
        self.js: Any = None

    def run(self, coroutine: Coroutine[Any, Any, T]) -> T:
        return self.loop.run_until_complete(coroutine)

    def connect(self, *, ensure_stream: bool = True) -> JetStream:
        """Connect and create or update the stream (unless only reading, as the metrics do);
        `NatsUnavailable` if the server is not there."""
        try:
            # One attempt, no reconnecting of its own: the caller's loop decides when to try again.
            self.client = self.run(
                nats.connect(
                    self.url,
                    connect_timeout=CONNECT_TIMEOUT_SECONDS,
                    allow_reconnect=False,
                    max_reconnect_attempts=1,
                    reconnect_time_wait=0,
                    error_cb=_log_error,
                )
            )
            self.js = self.client.jetstream()
            if ensure_stream:
                self.run(self._ensure_stream())
        except (OSError, TimeoutError, nats.errors.Error) as exc:
            self.close()
            raise NatsUnavailable(str(exc) or exc.__class__.__name__) from exc
        return self

    async def _ensure_stream(self) -> None:
        try:
            await self.js.update_stream(stream_config())
        except nats.js.errors.NotFoundError:
            await self.js.add_stream(stream_config())

    def publish(self, envelopes: Sequence[dict[str, Any]]) -> list[bool]:
        """Publish each envelope to `<prefix>.<type>` with `Nats-Msg-Id: <id>`, all at once; whether
        each was acknowledged within PUBLISH_TIMEOUT_SECONDS (a duplicate inside the window is
        acknowledged too)."""
        return self.run(self._publish_all(envelopes))

    async def _publish_all(self, envelopes: Sequence[dict[str, Any]]) -> list[bool]:
        # publish_async: one reply subscription for all the acks instead of a request (and a
        # timer) per message, a quarter less CPU per relayed event. A send that fails (the
        # connection lost) leaves it and the rest unacknowledged; what was sent may still be acked.
        acks: list[asyncio.Future[Any]] = []
        try:
            for envelope in envelopes:
                acks.append(
                    await self.js.publish_async(
                        subject_for(envelope["type"]),
                        json.dumps(envelope).encode(),
                        headers={"Nats-Msg-Id": envelope["id"]},
                    )
                )
        except (OSError, nats.errors.Error) as exc:
            logger.debug("NATS publish stopped: %s", exc)
        if acks:
            await asyncio.wait(acks, timeout=PUBLISH_TIMEOUT_SECONDS)
        for ack in acks:
            if not ack.done():
                ack.cancel()
        acked = [ack.done() and not ack.cancelled() and ack.exception() is None for ack in acks]
        return acked + [False] * (len(envelopes) - len(acks))

    def consumer_pending(self, consumer: str) -> tuple[int, int]:
        """(messages not yet delivered, delivered and not yet acknowledged) of a durable consumer; a
        consumer not created yet has the whole stream ahead of it, a stream not created yet nothing."""
        try:
            info = self.run(self.js.consumer_info(settings.NATS_STREAM, consumer))
        except nats.js.errors.NotFoundError:
            try:
                return self.run(self.js.stream_info(settings.NATS_STREAM)).state.messages, 0
            except nats.js.errors.NotFoundError:
                return 0, 0
        return info.num_pending, info.num_ack_pending

    @property
    def connected(self) -> bool:
        return bool(self.client and self.client.is_connected)

    def close(self) -> None:
        """Close the connection and the event loop (its selector and sockets: a scrape of /metrics
        makes a JetStream each time); the object is done with."""
        if self.client is not None and not self.client.is_closed:
            self.run(self.client.close())
        self.client = self.js = None
        self.loop.close()
