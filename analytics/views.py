"""`/analytics/*` (admin): parse the range, call one selector, render JSON or `?format=csv`."""

from __future__ import annotations

from typing import Any

from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework.exceptions import ValidationError
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from analytics.permissions import CanViewAnalytics
from analytics.renderers import CSVRenderer
from analytics.selectors import analytics_summary, click_figures, daily_figures, merchant_figures, users_per_tier
from analytics.serializers import (
    CampaignFiguresSerializer,
    ClickFiguresSerializer,
    ClicksQuerySerializer,
    DaySerializer,
    MerchantFiguresSerializer,
    MerchantsQuerySerializer,
    RangeSerializer,
    SummarySerializer,
    TierUsersSerializer,
    date_range,
)
from campaigns.selectors import campaign_figures
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


def answers(serializer: Any, *, results: str = "") -> dict:
    """JSON (with `results`: a list of items under that key, in a component of that name) or CSV,
    and the errors of an admin read."""
    body = inline_serializer(results, {"results": serializer}) if results else serializer
    return {(200, "application/json"): body, (200, "text/csv"): OpenApiTypes.STR, **errors(400, 403)}


def validated_query(serializer_class: type[RangeSerializer], request: Request) -> dict[str, Any]:
    """The query parameters (but `format`) checked by `serializer_class`, or 400 in the envelope."""
    query = serializer_class(data={k: v for k, v in request.query_params.items() if k != "format"})
    query.is_valid(raise_exception=True)
    return query.validated_data


class AnalyticsView(APIView):
    permission_classes = [CanViewAnalytics]
    renderer_classes = [JSONRenderer, CSVRenderer]
    csv_header: list[str] = []

    def perform_content_negotiation(self, request: Request, force: bool = False) -> tuple:
        """An unknown `?format=` is a bad parameter (400), not a missing page."""
        try:
            return super().perform_content_negotiation(request, force=force)
        except Http404:
            raise ValidationError({"format": ["Use json or csv."]}) from None

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
    @extend_schema(parameters=RANGE_PARAMETERS, responses=answers(SummarySerializer()))
    def get(self, request: Request) -> Response:
        first, last = date_range(request.query_params)
        return Response(SummarySerializer(analytics_summary(first=first, last=last)).data)


class DailyView(AnalyticsView):
    csv_header = list(DaySerializer().fields)

    @extend_schema(parameters=RANGE_PARAMETERS, responses=answers(DaySerializer(many=True), results="AnalyticsDaily"))
    def get(self, request: Request) -> Response:
        first, last = date_range(request.query_params)
        days = daily_figures(first=first, last=last, names=DaySerializer.FIGURES)
        return Response({"results": DaySerializer(days, many=True).data})


class MerchantsView(AnalyticsView):
    csv_header = list(MerchantFiguresSerializer().fields)

    @extend_schema(
        parameters=[*RANGE_PARAMETERS, OpenApiParameter("limit", OpenApiTypes.INT, description="1-100, default 20.")],
        responses=answers(MerchantFiguresSerializer(many=True), results="AnalyticsMerchants"),
    )
    def get(self, request: Request) -> Response:
        rows = merchant_figures(**validated_query(MerchantsQuerySerializer, request))
        return Response({"results": MerchantFiguresSerializer(rows, many=True).data})


class ClicksView(AnalyticsView):
    csv_header = list(ClickFiguresSerializer().fields)

    @extend_schema(
        parameters=[
            *RANGE_PARAMETERS,
            OpenApiParameter("merchant_id", OpenApiTypes.UUID, description="Only this merchant's days."),
        ],
        responses=answers(ClickFiguresSerializer(many=True), results="AnalyticsClicks"),
        description="Per merchant and day with a click or a purchase by click, by date then clicks descending. "
        "`click_purchases`: purchases booked that day that a partner reported with a click id, reversed or not "
        "(counted like `purchases`: a return is a reversal, not an unmade sale). `conversion_rate` = "
        "click_purchases / clicks, 4 decimals, null without clicks; over a range, divide the sums. One row per "
        "merchant-day with activity: for long ranges over many merchants, ask for one `merchant_id`.",
    )
    def get(self, request: Request) -> Response:
        rows = click_figures(**validated_query(ClicksQuerySerializer, request))
        return Response({"results": ClickFiguresSerializer(rows, many=True).data})


class TiersView(AnalyticsView):
    csv_header = list(TierUsersSerializer().fields)

    @extend_schema(
        parameters=[RANGE_PARAMETERS[-1]], responses=answers(TierUsersSerializer(many=True), results="AnalyticsTiers")
    )
    def get(self, request: Request) -> Response:
        return Response({"results": TierUsersSerializer(users_per_tier(), many=True).data})


class CampaignsView(AnalyticsView):
    csv_header = list(CampaignFiguresSerializer().fields)

    @extend_schema(
        parameters=RANGE_PARAMETERS,
        responses=answers(CampaignFiguresSerializer(many=True), results="AnalyticsCampaigns"),
    )
    def get(self, request: Request) -> Response:
        first, last = date_range(request.query_params)
        return Response(
            {"results": CampaignFiguresSerializer(campaign_figures(first=first, last=last), many=True).data}
        )
