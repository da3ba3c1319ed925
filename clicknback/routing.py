"""Every API path answers with and without a trailing slash, without a redirect."""

from __future__ import annotations

from typing import Any

from django.urls import URLPattern, path


def route(pattern: str, view: Any, name: str) -> list[URLPattern]:
    """Two patterns for one view: `pattern` and `pattern/`. Only the first is named and documented."""
    bare = pattern.rstrip("/")
    return [path(bare, view, name=name), path(f"{bare}/", view)]
