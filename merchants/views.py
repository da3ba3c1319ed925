from __future__ import annotations

import uuid

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import staff_may
from clicknback.actors import Actor
from clicknback.openapi import errors
from clicknback.pagination import PaginatedListMixin
from merchants.models import MerchantStatus
from merchants.permissions import CHANGE_MERCHANT, MerchantPermissions
from merchants.selectors import merchant_get, merchant_list
from merchants.serializers import (
    MerchantCreateInputSerializer,
    MerchantOutputSerializer,
    MerchantUpdateInputSerializer,
)
from merchants.services import merchant_create, merchant_update

TAGS = ["merchants"]


def output_context(request: Request) -> dict:
    """`tracking_url` is shown only to staff who may change merchants."""
    return {"show_tracking_url": staff_may(request.user, CHANGE_MERCHANT)}


def render(merchant, request: Request) -> dict:
    return MerchantOutputSerializer(merchant, context=output_context(request)).data


class MerchantListCreateView(PaginatedListMixin, APIView):
    permission_classes = [MerchantPermissions]

    @extend_schema(
        tags=TAGS,
        parameters=[
            OpenApiParameter("search", str, description="Part of the name (case-insensitive)."),
            OpenApiParameter(
                "status",
                str,
                enum=MerchantStatus.values,
                description="Staff with the view permission only; ignored for others.",
            ),
        ],
        responses={200: MerchantOutputSerializer(many=True), **errors()},
    )
    def get(self, request: Request) -> Response:
        merchants = merchant_list(user=request.user, filters=request.query_params)
        return self.paginated(request, merchants, MerchantOutputSerializer, context=output_context(request))

    @extend_schema(
        tags=TAGS,
        request=MerchantCreateInputSerializer,
        responses={201: MerchantOutputSerializer, **errors(403, e409="MERCHANT_NAME_TAKEN")},
    )
    def post(self, request: Request) -> Response:
        serializer = MerchantCreateInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        merchant = merchant_create(**serializer.validated_data, actor=Actor.for_user(request.user))
        return Response(render(merchant, request), status=status.HTTP_201_CREATED)


class MerchantDetailView(APIView):
    permission_classes = [MerchantPermissions]

    @extend_schema(
        tags=TAGS,
        responses={200: MerchantOutputSerializer, **errors(404)},
    )
    def get(self, request: Request, merchant_id: uuid.UUID) -> Response:
        return Response(render(merchant_get(user=request.user, merchant_id=merchant_id), request))

    @extend_schema(
        tags=TAGS,
        request=MerchantUpdateInputSerializer,
        responses={200: MerchantOutputSerializer, **errors(403, 404, e409="MERCHANT_NAME_TAKEN")},
    )
    def patch(self, request: Request, merchant_id: uuid.UUID) -> Response:
        merchant = merchant_get(user=request.user, merchant_id=merchant_id)
        serializer = MerchantUpdateInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        merchant = merchant_update(merchant=merchant, **serializer.validated_data, actor=Actor.for_user(request.user))
        return Response(render(merchant, request))
