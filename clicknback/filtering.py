"""django-filter FilterSets applied by selectors: bad query parameters are a 400, never ignored."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db.models import QuerySet
from django_filters import FilterSet
from django_filters.utils import translate_validation


def filter_queryset(filterset_class: type[FilterSet], data: Mapping[str, Any] | None, queryset: QuerySet) -> QuerySet:
    filterset = filterset_class(data or {}, queryset=queryset)
    if not filterset.is_valid():
        raise translate_validation(filterset.errors)
    return filterset.qs
