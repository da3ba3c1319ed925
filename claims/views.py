"""Claims over HTTP: users file and read their own; support decides."""

from __future__ import annotations

import uuid

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import IsRegularUser
from claims.models import ClaimStatus
from claims.permissions import CanReviewClaims
from claims.selectors import claim_get, claim_list
from claims.serializers import (
    ClaimFileInputSerializer,
    ClaimOutputSerializer,
    ClaimPageSerializer,
    ClaimRejectInputSerializer,
)
from claims.services import claim_approve, claim_file, claim_reject
from clicknback.actors import Actor
from clicknback.openapi import errors
from clicknback.pagination import LimitOffsetPagination

TAGS = ["claims"]
_DECISION = (
    "Repeating a decision answers 200 with nothing changed; deciding a decided claim the other way is 409 "
    "INVALID_STATE_TRANSITION with details.current_status. Needs the claim review permission (superusers, support)."
)


class ClaimListCreateView(APIView):
    def get_permissions(self) -> list[BasePermission]:
        return [IsRegularUser()] if self.request.method == "POST" else [IsAuthenticated()]

    @extend_schema(
        tags=TAGS,
        operation_id="claims_list",
        summary="List claims",
        description="Newest first. Users see their own claims; staff with the view permission of the claim screen "
        "see all and may filter by status.",
        parameters=[
            OpenApiParameter("status", OpenApiTypes.STR, enum=ClaimStatus.values, description="Staff only."),
            OpenApiParameter("limit", OpenApiTypes.INT, description="Default 20, at most 100."),
            OpenApiParameter("offset", OpenApiTypes.INT),
        ],
        responses={200: ClaimPageSerializer, **errors()},
    )
    def get(self, request: Request) -> Response:
        paginator = LimitOffsetPagination()
        page = paginator.paginate_queryset(claim_list(user=request.user, filters=request.query_params), request, self)
        return paginator.get_paginated_response(ClaimOutputSerializer(page, many=True).data)

    @extend_schema(
        tags=TAGS,
        operation_id="claims_file",
        summary="File a missing-cashback claim (user)",
        description="For a purchase made between CLAIM_MAX_AGE_DAYS and CLAIM_MIN_AGE_DAYS days ago (UTC dates, both "
        "inclusive). An order with a booked purchase, or an open or approved claim of anyone, is 409 CLAIM_DUPLICATE.",
        request=ClaimFileInputSerializer,
        responses={201: ClaimOutputSerializer, **errors(403, e409="CLAIM_DUPLICATE", e422="CLAIM_OUT_OF_WINDOW")},
    )
    def post(self, request: Request) -> Response:
        serializer = ClaimFileInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        claim = claim_file(user=request.user, **serializer.validated_data, actor=Actor.for_user(request.user))
        return Response(ClaimOutputSerializer(claim).data, status=status.HTTP_201_CREATED)


class ClaimDetailView(APIView):
    @extend_schema(
        tags=TAGS,
        summary="One claim",
        description="The owner or staff with the view permission of the claim screen; anyone else gets 404.",
        responses={200: ClaimOutputSerializer, **errors(404)},
    )
    def get(self, request: Request, claim_id: uuid.UUID) -> Response:
        return Response(ClaimOutputSerializer(claim_get(user=request.user, claim_id=claim_id)).data)


class ClaimApproveView(APIView):
    permission_classes = [CanReviewClaims]

    @extend_schema(
        tags=TAGS,
        summary="Approve a claim (support)",
        description="Books the purchase through the webhook's ingestion rules; a rule refusing it answers the same "
        "error as ingestion and the claim stays open. " + _DECISION,
        request=None,
        responses={
            200: ClaimOutputSerializer,
            **errors(
                403,
                404,
                e409="INVALID_STATE_TRANSITION, DUPLICATE_PURCHASE",
                e422="USER_NOT_ELIGIBLE, MERCHANT_NOT_ELIGIBLE, OFFER_NOT_AVAILABLE, AMOUNT_TOO_LARGE",
            ),
        },
    )
    def post(self, request: Request, claim_id: uuid.UUID) -> Response:
        claim, _ = claim_approve(claim_id=claim_id, actor=Actor.for_user(request.user))
        return Response(ClaimOutputSerializer(claim).data)


class ClaimRejectView(APIView):
    permission_classes = [CanReviewClaims]

    @extend_schema(
        tags=TAGS,
        summary="Reject a claim (support)",
        description="`reason` is required. " + _DECISION,
        request=ClaimRejectInputSerializer,
        responses={200: ClaimOutputSerializer, **errors(403, 404, e409="INVALID_STATE_TRANSITION")},
    )
    def post(self, request: Request, claim_id: uuid.UUID) -> Response:
        serializer = ClaimRejectInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        claim, _ = claim_reject(
            claim_id=claim_id, reason=serializer.validated_data["reason"], actor=Actor.for_user(request.user)
        )
        return Response(ClaimOutputSerializer(claim).data)
