"""Tables of the platform itself (not of one business app)."""

from __future__ import annotations

from django.db import models


class RateLimitCounter(models.Model):
    """Hits of one rate-limit key in its current window, when the counters live in PostgreSQL (no
    `REDIS_URL`): one row per `group:key`, shared by every process. `clicknback.ratelimit` reads
    and writes it with one statement; rows whose window ended are reused or purged."""

    key = models.TextField(primary_key=True)
    hits = models.PositiveIntegerField()
    window_ends_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"{self.key}: {self.hits}"
