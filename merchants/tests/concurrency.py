"""Fire several API requests at the same moment from real threads (each with its own DB connection)."""

from __future__ import annotations

from typing import Any

from rest_framework.test import APIClient

from clicknback.testing import run_at_once


def post_at_once(path: str, calls: list[tuple[APIClient, dict[str, Any]]]) -> list[Any]:
    return run_at_once([lambda c=client, p=payload: c.post(path, p, format="json") for client, payload in calls])
