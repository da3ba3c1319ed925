"""Rate limits, shared by every process that serves the API. Rates are written `N/s`, `N/m`, `N/h`
or `N/d`.

The counters live in Redis when `REDIS_URL` is set (django-ratelimit's, in the cache), otherwise
in PostgreSQL (`RateLimitCounter`, one statement per hit): never in one process's memory, where
`-w 4` would allow four times the rate. `settings.RATE_LIMIT_STORE` names the store in use.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core import checks
from django.db import connection
from django.http import HttpRequest
from django.utils import timezone
from django_ratelimit.core import _split_rate, get_usage
from rest_framework.throttling import BaseThrottle

from clicknback.errors import RateLimited
from clicknback.models import RateLimitCounter

# N hits: a new key, or a key whose window ended, starts a window with N hits; otherwise +N.
# Atomic under concurrency (the row is locked by the upsert), one round trip.
_COUNT_HIT = f"""
    INSERT INTO "{RateLimitCounter._meta.db_table}" AS counter ("key", "hits", "window_ends_at")
    VALUES (%s, %s, statement_timestamp() + make_interval(secs => %s))
    ON CONFLICT ("key") DO UPDATE SET
        "hits" = CASE WHEN counter."window_ends_at" <= statement_timestamp() THEN EXCLUDED."hits"
            ELSE counter."hits" + EXCLUDED."hits" END,
        "window_ends_at" = CASE WHEN counter."window_ends_at" <= statement_timestamp()
            THEN EXCLUDED."window_ends_at" ELSE counter."window_ends_at" END
    RETURNING "hits", ceil(extract(epoch FROM "window_ends_at" - statement_timestamp()))::integer
"""  # noqa: S608 - the table name is ours, every value a parameter


def _count_hits_in_postgresql(counter_key: str, period: int, hits: int) -> tuple[int, int]:
    """(hits in the current window, including these; seconds until the window ends).

    The hit commits at once: inside a transaction a refused request would roll its own hit back and
    never be limited. (A test's own wrapping transaction is the one exception.)"""
    if any(not getattr(block, "_from_testcase", False) for block in connection.atomic_blocks):
        raise RuntimeError("A rate-limit hit must be counted before the request's transaction starts.")
    with connection.cursor() as cursor:
        cursor.execute(_COUNT_HIT, [counter_key, hits, period])
        return cursor.fetchone()


def enforce_rate_limit(request: HttpRequest, *, group: str, key: str, rate: str) -> None:
    """Count one hit for `key` in `group`; raise `RateLimited` (429, Retry-After) past `rate`."""
    allowed, seconds_left = count_rate_limit_hits(request, group=group, key=key, rate=rate, hits=1)
    if not allowed:
        raise RateLimited(retry_after=seconds_left)


def count_rate_limit_hits(request: HttpRequest, *, group: str, key: str, rate: str, hits: int) -> tuple[int, int]:
    """Count `hits` hits at once for `key` in `group` (a batch whose items each count); return how
    many of them, the first ones, are within `rate`, and the seconds until the window ends."""
    if not settings.RATELIMIT_ENABLE:
        return hits, 0
    if settings.RATE_LIMIT_STORE == "redis":  # django-ratelimit counts one hit a call
        allowed, seconds_left = 0, 0
        for _ in range(hits):
            usage = get_usage(request, group=group, key=lambda _group, _request: key, rate=rate, increment=True)
            if usage is None or not usage["should_limit"]:
                allowed += 1
            else:
                seconds_left = usage["time_left"]
        return allowed, seconds_left
    limit, period = _split_rate(rate)
    total, seconds_left = _count_hits_in_postgresql(f"{group}:{key}", period, hits)
    return max(0, min(hits, limit - (total - hits))), seconds_left


class PerUserRateLimit(BaseThrottle):
    """A DRF throttle counting each request of the signed-in user against the rate that
    `settings.<rate_setting>` names. Throttles run before the handler, so a hit is counted outside
    any transaction the handler opens (and a refused request still counts)."""

    group: str = ""
    rate_setting: str = ""

    def allow_request(self, request: HttpRequest, view: Any) -> bool:
        rate = getattr(settings, self.rate_setting)
        enforce_rate_limit(request, group=self.group, key=str(request.user.pk), rate=rate)
        return True


class UserApiRateLimit(BaseThrottle):
    """The API's default throttle: each signed-in user's reads (`USER_READ_RATE_LIMIT`) and writes
    (`USER_WRITE_RATE_LIMIT`), counted apart. Staff are exempt; partners (the webhook) and anonymous
    callers (login, registration) keep their own limits. An empty setting turns that limit off.
    A view with its own `throttle_classes` (redemption) replaces this one."""

    def allow_request(self, request: HttpRequest, view: Any) -> bool:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or user.is_staff:
            return True
        read = request.method in ("GET", "HEAD", "OPTIONS")
        group, setting = ("user-read", "USER_READ_RATE_LIMIT") if read else ("user-write", "USER_WRITE_RATE_LIMIT")
        rate = getattr(settings, setting)
        if rate:
            enforce_rate_limit(request, group=group, key=str(user.pk), rate=rate)
        return True


def per_user_rate_limit(group: str, rate_setting: str) -> type[PerUserRateLimit]:
    """`throttle_classes = [per_user_rate_limit("rewards-redeem", "REDEEM_RATE_LIMIT")]`."""
    return type(f"PerUserRateLimit[{group}]", (PerUserRateLimit,), {"group": group, "rate_setting": rate_setting})


def rate_limit_counters_purge() -> int:
    """Delete the PostgreSQL counters whose window ended (a daily job); returns how many."""
    deleted, _ = RateLimitCounter.objects.filter(window_ends_at__lte=timezone.now()).delete()
    return deleted


def client_ip(request: HttpRequest) -> str:
    """The peer address. Behind a load balancer, enable the PROXY protocol in gunicorn so this is the
    client's address, not the balancer's (docs/deployment.md)."""
    return request.META.get("REMOTE_ADDR", "") or "unknown"


@checks.register(checks.Tags.caches, deploy=True)
def check_rate_limit_store(app_configs, **kwargs) -> list[checks.CheckMessage]:
    """`check --deploy` says where the rate limits are counted."""
    where = {
        "redis": "in Redis (REDIS_URL)",
        "postgresql": "in PostgreSQL (no REDIS_URL): one extra statement per rate-limited request",
    }[settings.RATE_LIMIT_STORE]
    return [checks.Info(f"Rate limits are counted {where}, shared by every process.", id="clicknback.I001")]
