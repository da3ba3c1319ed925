"""`/analytics/*` (admin): parse the range, call one selector, render JSON or `?format=csv`."""

from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from analytics.permissions import CanViewAnalytics
from analytics.renderers import CSVRenderer
from analytics.selectors import analytics_summary, daily_figures, merchant_figures, users_per_tier
from analytics.serializers import (
    DaySerializer,
    MerchantFiguresSerializer,
    MerchantsQuerySerializer,
    SummarySerializer,
    TierUsersSerializer,
    date_range,
)
from clicknback.openapi import errors

RANGE_PARAMETERS = [
    OpenApiParameter("from", OpenApiTypes.DATE, description="First UTC day, inclusive (default: 29 days before `to`)."),
    OpenApiParameter(
        "to", OpenApiTypes.DATE, description="Last UTC day, inclusive (default: today); at most 366 days."
    ),
    OpenApiParameter(
        "format", OpenApiTypes.STR, enum=["json", "csv"], description="`csv`: a header row, a row per item."
    ),
]


class AnalyticsView(APIView):
    permission_classes = [CanViewAnalytics]
    renderer_classes = [JSONRenderer, CSVRenderer]
    csv_header: list[str] = []

    def handle_exception(self, exc: Exception) -> Response:
        """Errors answer in the JSON envelope, also when CSV was asked for."""
        response = super().handle_exception(exc)
        if isinstance(getattr(self.request, "accepted_renderer", None), CSVRenderer):
            self.request.accepted_renderer = JSONRenderer()
            self.request.accepted_media_type = JSONRenderer.media_type
        return response

    def finalize_response(self, request: Request, response: Any, *args: Any, **kwargs: Any) -> Any:
        response = super().finalize_response(request, response, *args, **kwargs)
        if isinstance(request.accepted_renderer, CSVRenderer) and response.status_code == 200:
            name = request.resolver_match.url_name if request.resolver_match else "analytics"
            response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
        return response


class SummaryView(AnalyticsView):
    @extend_schema(parameters=RANGE_PARAMETERS, responses={200: SummarySerializer, **errors(400)})
    def get(self, request: Request) -> Response:
        first, last = date_range(request.query_params)
        return Response(SummarySerializer(analytics_summary(first=first, last=last)).data)


class DailyView(AnalyticsView):
    csv_header = list(DaySerializer().fields)

    @extend_schema(parameters=RANGE_PARAMETERS, responses={200: DaySerializer(many=True), **errors(400)})
    def get(self, request: Request) -> Response:
        first, last = date_range(request.query_params)
        return Response({"results": DaySerializer(daily_figures(first=first, last=last), many=True).data})


class MerchantsView(AnalyticsView):
    csv_header = list(MerchantFiguresSerializer().fields)

    @extend_schema(
        parameters=[*RANGE_PARAMETERS, OpenApiParameter("limit", OpenApiTypes.INT, description="1-100, default 20.")],
        responses={200: MerchantFiguresSerializer(many=True), **errors(400)},
    )
    def get(self, request: Request) -> Response:
        query = MerchantsQuerySerializer(data={k: v for k, v in request.query_params.items() if k != "format"})
        query.is_valid(raise_exception=True)
        rows = merchant_figures(**query.validated_data)
        return Response({"results": MerchantFiguresSerializer(rows, many=True).data})


class TiersView(AnalyticsView):
    csv_header = list(TierUsersSerializer().fields)

    @extend_schema(parameters=[RANGE_PARAMETERS[-1]], responses={200: TierUsersSerializer(many=True), **errors()})
    def get(self, request: Request) -> Response:
        return Response({"results": TierUsersSerializer(users_per_tier(), many=True).data})
