"""The loyalty and rewards endpoints: parse, call one service or selector, render."""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import CursorPagination
from rest_framework.permissions import AllowAny, BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import User
from accounts.permissions import IsRegularUser
from clicknback.errors import NotFound
from clicknback.idempotency import IDEMPOTENCY_PARAMETER, idempotent
from clicknback.openapi import errors
from clicknback.ratelimit import per_user_rate_limit
from clicknback.readcache import TIERS, read_cached
from loyalty.permissions import CanAddTier, CanChangeTier
from loyalty.selectors import loyalty_status, points_account_for, points_entries_of, points_expiring_soon, tiers_all
from loyalty.serializers import (
    HistoryFilterSerializer,
    LoyaltyStatusSerializer,
    PointsEntrySerializer,
    RedeemInputSerializer,
    RedemptionSerializer,
    RewardsSerializer,
    TierSerializer,
)
from loyalty.services import redemption_create, tier_create, tier_update

USER_ID_PARAMETER = OpenApiParameter(
    "user_id", OpenApiTypes.UUID, description="Admins: whose figures (required); ignored for users."
)


def subject_user_id(request: Request) -> uuid.UUID:
    """The caller's own id; an admin names the user with `?user_id=`."""
    if not request.user.is_staff:
        return request.user.pk
    raw = request.query_params.get("user_id")
    try:
        user_id = uuid.UUID(str(raw))
    except ValueError:
        raise ValidationError({"user_id": ["Admins pass the user's id."]}) from None
    if not User.objects.filter(pk=user_id).exists():
        raise NotFound("No such user.")
    return user_id


class TierListCreateView(APIView):
    def get_authenticators(self) -> list[Any]:
        # The tiers are public: a stale or foreign token does not stand in the way of reading them.
        return [] if self.request is not None and self.request.method == "GET" else super().get_authenticators()

    def get_permissions(self) -> list[BasePermission]:
        return [CanAddTier()] if self.request.method == "POST" else [AllowAny()]

    @extend_schema(
        operation_id="loyalty_tiers_list",
        auth=[],
        responses={200: TierSerializer(many=True), **errors()},
        description="Public. The tiers by min_spend, not paginated; cacheable for an hour.",
    )
    def get(self, request: Request) -> Response:
        response = Response(read_cached(TIERS, "all", lambda: TierSerializer(tiers_all(), many=True).data))
        response["Cache-Control"] = "public, max-age=3600"
        return response

    @extend_schema(
        operation_id="loyalty_tiers_create",
        request=TierSerializer,
        responses={201: TierSerializer, **errors(403)},
        description="Admins with the add_tier permission. min_spend is unique; only the entry tier has 0.00.",
    )
    def post(self, request: Request) -> Response:
        data = TierSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return Response(TierSerializer(tier_create(data=data.validated_data)).data, status=201)


class TierDetailView(APIView):
    permission_classes = [CanChangeTier]

    @extend_schema(
        operation_id="loyalty_tiers_update",
        request=TierSerializer,
        responses={200: TierSerializer, **errors(403, 404)},
        description="Admins with the change_tier permission. The entry tier keeps min_spend 0.00.",
    )
    def patch(self, request: Request, tier_id: uuid.UUID) -> Response:
        data = TierSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        return Response(TierSerializer(tier_update(tier_id=tier_id, data=data.validated_data)).data)


class LoyaltyStatusView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="loyalty_status",
        parameters=[USER_ID_PARAMETER],
        responses={200: LoyaltyStatusSerializer, **errors(404)},
        description="Tier, qualifying spend, the next tier and the last 20 tier changes.",
    )
    def get(self, request: Request) -> Response:
        status = loyalty_status(user_id=subject_user_id(request))
        next_tier = status.next_tier
        body = {
            "tier": status.tier,
            "qualifying_spend": status.qualifying_spend,
            "next_tier": None
            if next_tier is None
            else {
                "name": next_tier.name,
                "min_spend": next_tier.min_spend,
                "spend_needed": next_tier.min_spend - status.qualifying_spend,
            },
            "tier_since": status.tier_since,
            "history": status.history,
        }
        return Response(LoyaltyStatusSerializer(body).data)


class RewardsView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="rewards_retrieve",
        parameters=[USER_ID_PARAMETER],
        responses={200: RewardsSerializer, **errors(404)},
        description="The points balance, lifetime figures, what expires in the next 30 days, the redemption terms.",
    )
    def get(self, request: Request) -> Response:
        account = points_account_for(user_id=subject_user_id(request))
        account.expiring_soon = points_expiring_soon(account=account)
        account.redemption = {
            "points_per_currency_unit": settings.POINTS_PER_CURRENCY_UNIT,
            "min_points": settings.MIN_REDEMPTION_POINTS,
        }
        return Response(RewardsSerializer(account).data)


class PointsHistoryPagination(CursorPagination):
    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 100
    ordering = "-id"


class RewardsHistoryView(generics.ListAPIView):
    permission_classes = [IsAuthenticated]
    serializer_class = PointsEntrySerializer
    pagination_class = PointsHistoryPagination
    filter_backends: list = []

    def get_queryset(self):
        filters = HistoryFilterSerializer(
            data={
                key: value
                for key, value in {
                    "type": self.request.query_params.get("type"),
                    "date_from": self.request.query_params.get("from"),
                    "date_to": self.request.query_params.get("to"),
                }.items()
                if value is not None
            }
        )
        filters.is_valid(raise_exception=True)
        entries = points_entries_of(user_id=subject_user_id(self.request))
        if "type" in filters.validated_data:
            entries = entries.filter(type=filters.validated_data["type"])
        if "date_from" in filters.validated_data:
            entries = entries.filter(created_at__date__gte=filters.validated_data["date_from"])
        if "date_to" in filters.validated_data:
            entries = entries.filter(created_at__date__lte=filters.validated_data["date_to"])
        return entries

    @extend_schema(
        operation_id="rewards_history",
        parameters=[
            USER_ID_PARAMETER,
            OpenApiParameter(
                "type", OpenApiTypes.STR, enum=["earned", "upgrade_bonus", "redeemed", "expired", "clawed_back"]
            ),
            OpenApiParameter("from", OpenApiTypes.DATE, description="Inclusive (UTC date)."),
            OpenApiParameter("to", OpenApiTypes.DATE, description="Inclusive (UTC date)."),
            OpenApiParameter("page_size", OpenApiTypes.INT, description="Default 20, at most 100."),
        ],
        responses={200: PointsEntrySerializer(many=True), **errors(404)},
        description="Points entries newest first, cursor pagination.",
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


class RedeemView(APIView):
    permission_classes = [IsRegularUser]
    throttle_classes = [per_user_rate_limit("rewards-redeem", "REDEEM_RATE_LIMIT")]

    @extend_schema(
        operation_id="rewards_redeem",
        request=RedeemInputSerializer,
        parameters=[IDEMPOTENCY_PARAMETER],
        responses={
            201: RedemptionSerializer,
            **errors(
                403,
                429,
                e409="INSUFFICIENT_POINTS (details.points_balance) or IDEMPOTENCY_KEY_REUSED",
                e422="BELOW_MINIMUM_REDEMPTION",
            ),
        },
        description="Turn points into available cashback; rate limited per user (REDEEM_RATE_LIMIT).",
    )
    @idempotent(RedeemInputSerializer)
    def post(self, request: Request, *, data: dict[str, Any]) -> Response:
        redemption = redemption_create(user=request.user, points=data["points"])
        return Response(RedemptionSerializer(redemption).data, status=201)
