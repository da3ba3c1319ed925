"""The one pagination of every list: `?limit=&offset=`, default 20, at most 100.

Generic views get it from `DEFAULT_PAGINATION_CLASS`; an `APIView` that lists mixes in
`PaginatedListMixin` (which also names it for the schema) rather than building a paginator itself.
"""

from __future__ import annotations

from django.db.models import QuerySet
from rest_framework.pagination import LimitOffsetPagination as DRFLimitOffsetPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import Serializer


class LimitOffsetPagination(DRFLimitOffsetPagination):
    """`?limit=&offset=`: default 20, a larger limit is clamped to 100."""

    default_limit = 20
    max_limit = 100


class PaginatedListMixin:
    pagination_class = LimitOffsetPagination

    def paginated(
        self, request: Request, rows: QuerySet, serializer_class: type[Serializer], *, context: dict | None = None
    ) -> Response:
        """One page of `rows`, each rendered by `serializer_class`, in the page envelope."""
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(rows, request, view=self)
        return paginator.get_paginated_response(serializer_class(page, many=True, context=context or {}).data)
