from rest_framework.pagination import LimitOffsetPagination as DRFLimitOffsetPagination


class LimitOffsetPagination(DRFLimitOffsetPagination):
    """`?limit=&offset=`: default 20, a larger limit is clamped to 100."""

    default_limit = 20
    max_limit = 100
