"""django-filter FilterSets applied by selectors: bad query parameters are a 400, never ignored.

The one way to have filters only staff may use: name them in the FilterSet's `staff_only`; the
selector says whether its caller is such staff (the same `staff_may` check that decides what the
caller sees). For anyone else those parameters are ignored, as an unknown parameter is.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from django.db.models import QuerySet
from django_filters import FilterSet
from django_filters.utils import translate_validation


class StaffFilterSet(FilterSet):
    staff_only: ClassVar[frozenset[str]] = frozenset()


def filter_queryset(
    filterset_class: type[StaffFilterSet], data: Mapping[str, Any] | None, queryset: QuerySet, *, staff: bool
) -> QuerySet:
    """`queryset` narrowed by the filters named in `data`. Without any, the filter set is not even
    built (building and validating one is costly on the busiest lists: docs/performance.md)."""
    names = set(filterset_class.base_filters) - (set() if staff else filterset_class.staff_only)
    data = {name: value for name, value in (data or {}).items() if name in names}
    if not data:
        return queryset
    filterset = filterset_class(data, queryset=queryset)
    if not filterset.is_valid():
        raise translate_validation(filterset.errors)
    return filterset.qs
