from __future__ import annotations

import uuid

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from clicknback.actors import Actor
from clicknback.openapi import errors
from clicknback.pagination import PaginatedListMixin
from clicknback.readcache import OFFER_CATALOGUE, read_cached
from offers.models import OfferStatus
from offers.permissions import OfferPermissions
from offers.selectors import offer_get, offer_list, offer_list_active, utc_today
from offers.serializers import OfferCreateInputSerializer, OfferOutputSerializer, OfferUpdateInputSerializer
from offers.services import offer_create, offer_update

TAGS = ["offers"]


class OfferListCreateView(PaginatedListMixin, APIView):
    permission_classes = [OfferPermissions]

    @extend_schema(
        tags=TAGS,
        parameters=[
            OpenApiParameter("merchant_id", OpenApiTypes.UUID),
            OpenApiParameter("active_on", OpenApiTypes.DATE, description="Offers whose window contains this date."),
            OpenApiParameter(
                "status",
                str,
                enum=OfferStatus.values,
                description="Staff with the view permission only; ignored for others.",
            ),
        ],
        responses={200: OfferOutputSerializer(many=True), **errors()},
    )
    def get(self, request: Request) -> Response:
        offers = offer_list(user=request.user, filters=request.query_params)
        return self.paginated(request, offers, OfferOutputSerializer)

    @extend_schema(
        tags=TAGS,
        request=OfferCreateInputSerializer,
        responses={201: OfferOutputSerializer, **errors(403, e409="OFFER_OVERLAP", e422="MERCHANT_INACTIVE")},
    )
    def post(self, request: Request) -> Response:
        serializer = OfferCreateInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        offer = offer_create(**serializer.validated_data, actor=Actor.for_user(request.user))
        return Response(OfferOutputSerializer(offer).data, status=status.HTTP_201_CREATED)


class OfferActiveListView(PaginatedListMixin, APIView):
    @extend_schema(
        tags=TAGS,
        summary="Offers valid today (UTC) whose offer and merchant are both active",
        responses={200: OfferOutputSerializer(many=True), **errors()},
    )
    def get(self, request: Request) -> Response:
        # Per day and per URL: the page's next/previous links are absolute.
        key = f"{utc_today().isoformat()}:{request.build_absolute_uri()}"
        return Response(
            read_cached(
                OFFER_CATALOGUE, key, lambda: self.paginated(request, offer_list_active(), OfferOutputSerializer).data
            )
        )


class OfferDetailView(APIView):
    permission_classes = [OfferPermissions]

    @extend_schema(tags=TAGS, responses={200: OfferOutputSerializer, **errors(404)})
    def get(self, request: Request, offer_id: uuid.UUID) -> Response:
        return Response(OfferOutputSerializer(offer_get(user=request.user, offer_id=offer_id)).data)

    @extend_schema(
        tags=TAGS,
        request=OfferUpdateInputSerializer,
        responses={200: OfferOutputSerializer, **errors(403, 404, e409="OFFER_OVERLAP")},
    )
    def patch(self, request: Request, offer_id: uuid.UUID) -> Response:
        offer = offer_get(user=request.user, offer_id=offer_id)
        serializer = OfferUpdateInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        offer = offer_update(offer=offer, **serializer.validated_data, actor=Actor.for_user(request.user))
        return Response(OfferOutputSerializer(offer).data)
