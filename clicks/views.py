"""Clicks over HTTP: a user activates cashback at a merchant; users and staff list clicks."""

from __future__ import annotations

import uuid

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import IsRegularUser
from clicknback.openapi import errors
from clicknback.pagination import LimitOffsetPagination
from clicknback.ratelimit import client_ip
from clicks.selectors import click_list
from clicks.serializers import ClickCreatedSerializer, ClickOutputSerializer, ClickPageSerializer
from clicks.services import click_create

TAGS = ["clicks"]


class MerchantClickView(APIView):
    permission_classes = [IsRegularUser]

    @extend_schema(
        tags=TAGS,
        operation_id="merchant_click",
        summary="Activate cashback at a merchant (user)",
        description="Records a click and answers where to send the user. The merchant must be active, with an "
        "offer valid today and a tracking URL; else 422 OFFER_NOT_AVAILABLE. One INSERT.",
        request=None,
        responses={201: ClickCreatedSerializer, **errors(403, 404, e422="OFFER_NOT_AVAILABLE")},
    )
    def post(self, request: Request, merchant_id: uuid.UUID) -> Response:
        click, redirect_url = click_create(
            user=request.user,
            merchant_id=merchant_id,
            address=client_ip(request),
            user_agent=request.META.get("HTTP_USER_AGENT", ""),
        )
        body = {"click_id": click.id, "redirect_url": redirect_url, "expires_at": click.expires_at}
        return Response(ClickCreatedSerializer(body).data, status=status.HTTP_201_CREATED)


class ClickListView(APIView):
    @extend_schema(
        tags=TAGS,
        operation_id="clicks_list",
        summary="List clicks",
        description="Newest first. Users see their own clicks; staff with the view permission of the click screen "
        "see all and may filter by merchant_id and user_id.",
        parameters=[
            OpenApiParameter("merchant_id", OpenApiTypes.UUID, description="Staff only; ignored for others."),
            OpenApiParameter("user_id", OpenApiTypes.UUID, description="Staff only; ignored for others."),
            OpenApiParameter("limit", OpenApiTypes.INT, description="Default 20, at most 100."),
            OpenApiParameter("offset", OpenApiTypes.INT),
        ],
        responses={200: ClickPageSerializer, **errors()},
    )
    def get(self, request: Request) -> Response:
        paginator = LimitOffsetPagination()
        page = paginator.paginate_queryset(click_list(user=request.user, filters=request.query_params), request, self)
        return paginator.get_paginated_response(ClickOutputSerializer(page, many=True).data)
