"""Rate limits over django-ratelimit's counters (in the cache: Redis when configured, shared by
every worker). Rates are written `N/s`, `N/m`, `N/h` or `N/d`."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest
from django_ratelimit.core import get_usage

from clicknback.errors import RateLimited


def enforce_rate_limit(request: HttpRequest, *, group: str, key: str, rate: str) -> None:
    """Count one hit for `key` in `group`; raise `RateLimited` (429, Retry-After) past `rate`."""
    if not settings.RATELIMIT_ENABLE:
        return
    usage = get_usage(request, group=group, key=lambda _group, _request: key, rate=rate, increment=True)
    if usage is not None and usage["should_limit"]:
        raise RateLimited(retry_after=usage["time_left"])


def client_ip(request: HttpRequest) -> str:
    """The peer address. Behind a load balancer, enable the PROXY protocol in gunicorn so this is the
    client's address, not the balancer's (docs/deployment.md)."""
    return request.META.get("REMOTE_ADDR", "") or "unknown"
