"""Every API path answers with and without a trailing slash, without a redirect."""

from __future__ import annotations

from typing import Any

from django.urls import URLPattern, path


def route(pattern: str, view: Any, name: str) -> list[URLPattern]:
    """Two patterns for one view: `pattern` and `pattern/`. Only the first is named and documented."""
    bare = pattern.rstrip("/")
    return [path(bare, view, name=name), path(f"{bare}/", view)]


# Paths whose errors answer in JSON whatever happens: the API's envelope (health and metrics are
# machine-read too), and the back-office's, as it always had. Every other path is the member site's.
_JSON_ERROR_PREFIXES = ("/api/", "/health/", "/metrics", "/admin/")


def json_error_pages(path: str) -> bool:
    """Whether an error on `path` answers with the envelope (else the site's HTML error pages)."""
    return path == "/api" or path == "/admin" or path.startswith(_JSON_ERROR_PREFIXES)
