"""Values rendered exactly as the API's DRF fields render them, for the hot read paths that build
their JSON without instantiating a serializer (building one costs more than the query it renders).

The serializers stay the documented schema; each fast builder has a test asserting it returns what
its serializer returns.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar

from rest_framework import serializers

from clicknback.money import MoneyField

T = TypeVar("T")

# Unbound field instances: their to_representation only reads settings (format, time zone).
datetime_text: Callable[[datetime], str | None] = serializers.DateTimeField().to_representation
money_text: Callable[[Any], str] = MoneyField().to_representation


def optional(render: Callable[[T], Any], value: T | None) -> Any:
    """What a serializer renders for a field: None stays None, anything else goes through the field."""
    return None if value is None else render(value)


def uuid_text(value: Any) -> str | None:
    return None if value is None else str(value)
