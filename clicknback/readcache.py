"""Read caches for public catalogue reads that many callers ask for and few writes change (the
tiers, the offer catalogue), in Django's default cache: Redis when `REDIS_URL` is set, shared by
every process; otherwise each process's local memory.

A cache is invalidated by the services that change what it holds, once their transaction commits
(`transaction.on_commit`): a reader never sees the old value after the writer's answer, and a
rolled-back write invalidates nothing. Invalidation moves the cache to a new version (the old
entries are never read again and expire). Without Redis, another process keeps its copy up to
`READ_CACHE_SECONDS`. Never for balances, points or anything of one user.

Lookups are counted per cache and outcome on `/metrics` (`clicknback_read_cache_total`).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import transaction

from clicknback.metrics import READ_CACHE

TIERS = "tiers"
OFFER_CATALOGUE = "offer-catalogue"


def _version_key(name: str) -> str:
    return f"readcache:{name}:version"


def read_cached(name: str, key: str, compute: Callable[[], Any]) -> Any:
    """The cached value of `key` in cache `name`, or `compute()` stored for READ_CACHE_SECONDS."""
    seconds = settings.READ_CACHE_SECONDS
    if not seconds:
        return compute()
    version = cache.get(_version_key(name))
    if version is None:
        version = uuid.uuid4().hex
        cache.add(_version_key(name), version, timeout=None)
        version = cache.get(_version_key(name), version)
    entry_key = f"readcache:{name}:{version}:{key}"
    value = cache.get(entry_key)
    if value is not None:
        READ_CACHE.labels(name, "hit").inc()
        return value
    READ_CACHE.labels(name, "miss").inc()
    value = compute()
    cache.set(entry_key, value, timeout=seconds)
    return value


def read_cache_invalidate(name: str) -> None:
    """Forget what cache `name` holds once the caller's transaction commits (at once outside one)."""
    transaction.on_commit(lambda: cache.set(_version_key(name), uuid.uuid4().hex, timeout=None))
