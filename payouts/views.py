"""The payouts endpoints: parse, call one service or selector, render."""

from __future__ import annotations

import uuid
from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import IsRegularUser
from clicknback.actors import Actor
from clicknback.idempotency import IDEMPOTENCY_PARAMETER, idempotent
from clicknback.openapi import errors
from clicknback.pagination import PaginatedListMixin
from payouts.models import PayoutStatus
from payouts.permissions import CanProcessPayouts
from payouts.selectors import payout_get, payout_list
from payouts.serializers import (
    PayoutFailInputSerializer,
    PayoutOutputSerializer,
    PayoutPageSerializer,
    PayoutRequestInputSerializer,
)
from payouts.services import payout_complete, payout_create, payout_fail

_list_parameters = [
    OpenApiParameter("status", OpenApiTypes.STR, enum=PayoutStatus.values),
    OpenApiParameter(
        "user_id", OpenApiTypes.UUID, description="Staff with the view permission only; ignored for others."
    ),
    OpenApiParameter("limit", OpenApiTypes.INT, description="Default 20, at most 100."),
    OpenApiParameter("offset", OpenApiTypes.INT),
]


class PayoutListCreateView(PaginatedListMixin, APIView):
    def get_permissions(self) -> list[BasePermission]:
        return [IsRegularUser()] if self.request.method == "POST" else [IsAuthenticated()]

    @extend_schema(
        operation_id="payouts_list",
        parameters=_list_parameters,
        responses={200: PayoutPageSerializer, **errors(403)},
        description="Newest first. Users see their own payouts; staff with the view permission of the payout screen "
        "(superusers, support, finance) see all and may filter by user_id. Staff without it are served as a user: "
        "they see nothing.",
    )
    def get(self, request: Request) -> Response:
        payouts = payout_list(user=request.user, filters=request.query_params)
        return self.paginated(request, payouts, PayoutOutputSerializer)

    @extend_schema(
        operation_id="payouts_request",
        request=PayoutRequestInputSerializer,
        parameters=[IDEMPOTENCY_PARAMETER],
        responses={
            201: PayoutOutputSerializer,
            **errors(
                403,
                e409="INSUFFICIENT_BALANCE (details.available_balance) or IDEMPOTENCY_KEY_REUSED",
                e422="BELOW_MINIMUM_PAYOUT",
            ),
        },
        description="Withdraw available cashback. Only the user role may; the wallet row is locked.",
    )
    @idempotent(PayoutRequestInputSerializer)
    def post(self, request: Request, *, data: dict[str, Any]) -> Response:
        payout = payout_create(user=request.user, **data)
        return Response(PayoutOutputSerializer(payout).data, status=201)


class PayoutDetailView(APIView):
    @extend_schema(
        operation_id="payouts_retrieve",
        responses={200: PayoutOutputSerializer, **errors(404)},
        description="The owner or staff with the view permission of the payout screen; anyone else gets 404.",
    )
    def get(self, request: Request, payout_id: uuid.UUID) -> Response:
        return Response(PayoutOutputSerializer(payout_get(user=request.user, payout_id=payout_id)).data)


class PayoutCompleteView(APIView):
    permission_classes = [CanProcessPayouts]

    @extend_schema(
        operation_id="payouts_complete",
        request=None,
        responses={
            200: PayoutOutputSerializer,
            **errors(403, 404, e409="INVALID_STATE_TRANSITION (details.current_status)"),
        },
        description=(
            "requested -> completed. Repeating it answers 200 with nothing changed; a failed payout is 409. "
            "Needs the process permission (superusers, finance); anyone else gets 403."
        ),
    )
    def post(self, request: Request, payout_id: uuid.UUID) -> Response:
        payout, _ = payout_complete(payout_id=payout_id, actor=Actor.for_user(request.user))
        return Response(PayoutOutputSerializer(payout).data)


class PayoutFailView(APIView):
    permission_classes = [CanProcessPayouts]

    @extend_schema(
        operation_id="payouts_fail",
        request=PayoutFailInputSerializer,
        responses={
            200: PayoutOutputSerializer,
            **errors(403, 404, e409="INVALID_STATE_TRANSITION (details.current_status)"),
        },
        description=(
            "requested -> failed: the amount goes back to available, once. Repeating it answers 200 with "
            "nothing changed; a completed payout is 409. Needs the process permission (superusers, finance); "
            "anyone else gets 403."
        ),
    )
    def post(self, request: Request, payout_id: uuid.UUID) -> Response:
        data = PayoutFailInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        payout, _ = payout_fail(
            payout_id=payout_id, reason=data.validated_data["reason"], actor=Actor.for_user(request.user)
        )
        return Response(PayoutOutputSerializer(payout).data)
