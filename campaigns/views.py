"""Campaigns over HTTP: thin views over campaigns.services and campaigns.selectors."""

from __future__ import annotations

import uuid

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import IsRegularUser
from campaigns.models import CampaignStatus
from campaigns.permissions import CanManageCampaigns
from campaigns.selectors import campaign_get, campaign_list
from campaigns.serializers import (
    CampaignCreateInputSerializer,
    CampaignOutputSerializer,
    CampaignUpdateInputSerializer,
    EnrollmentOutputSerializer,
)
from campaigns.services import campaign_create, campaign_enroll, campaign_update
from clicknback.actors import Actor
from clicknback.openapi import errors
from clicknback.pagination import PaginatedListMixin


class CampaignListCreateView(PaginatedListMixin, APIView):
    permission_classes = [IsAuthenticated, CanManageCampaigns]

    @extend_schema(
        operation_id="campaigns_list",
        tags=["campaigns"],
        summary="Campaigns: running ones for users (with their usage), all for admins",
        parameters=[OpenApiParameter("status", OpenApiTypes.STR, enum=CampaignStatus.values, description="Admins.")],
        responses={200: CampaignOutputSerializer(many=True), **errors(401)},
    )
    def get(self, request: Request) -> Response:
        rows = campaign_list(user=request.user, status=request.query_params.get("status"))
        return self.paginated(request, rows, CampaignOutputSerializer)

    @extend_schema(
        operation_id="campaigns_create",
        tags=["campaigns"],
        summary="Create a campaign (admin)",
        request=CampaignCreateInputSerializer,
        responses={201: CampaignOutputSerializer, **errors(400, 401, 403)},
    )
    def post(self, request: Request) -> Response:
        data = CampaignCreateInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        campaign = campaign_create(data=data.validated_data, actor=Actor.for_user(request.user))
        shown = campaign_get(user=request.user, campaign_id=campaign.id)
        return Response(CampaignOutputSerializer(shown).data, status=status.HTTP_201_CREATED)


class CampaignDetailView(APIView):
    permission_classes = [IsAuthenticated, CanManageCampaigns]

    @extend_schema(
        operation_id="campaigns_retrieve",
        tags=["campaigns"],
        summary="One campaign (to users, only while it runs)",
        responses={200: CampaignOutputSerializer, **errors(401, 404)},
    )
    def get(self, request: Request, campaign_id: uuid.UUID) -> Response:
        return Response(CampaignOutputSerializer(campaign_get(user=request.user, campaign_id=campaign_id)).data)

    @extend_schema(
        operation_id="campaigns_update",
        tags=["campaigns"],
        summary="Edit, pause, resume or end a campaign (admin)",
        request=CampaignUpdateInputSerializer,
        responses={
            200: CampaignOutputSerializer,
            **errors(400, 401, 403, 404, e409="BUDGET_BELOW_SPENT, INVALID_STATE_TRANSITION"),
        },
    )
    def patch(self, request: Request, campaign_id: uuid.UUID) -> Response:
        campaign = campaign_get(user=request.user, campaign_id=campaign_id)
        data = CampaignUpdateInputSerializer(data=request.data, context={"campaign": campaign})
        data.is_valid(raise_exception=True)
        campaign_update(campaign_id=campaign.id, actor=Actor.for_user(request.user), **data.validated_data)
        return Response(CampaignOutputSerializer(campaign_get(user=request.user, campaign_id=campaign_id)).data)


class CampaignEnrollView(APIView):
    permission_classes = [IsRegularUser]

    @extend_schema(
        operation_id="campaigns_enroll",
        tags=["campaigns"],
        summary="Enroll in a running campaign (201; again: 200, same body)",
        request=None,
        responses={
            201: EnrollmentOutputSerializer,
            200: EnrollmentOutputSerializer,
            **errors(401, 403, 404, e422="CAMPAIGN_NOT_AVAILABLE"),
        },
    )
    def post(self, request: Request, campaign_id: uuid.UUID) -> Response:
        enrollment, created = campaign_enroll(campaign_id=campaign_id, user=request.user)
        body = EnrollmentOutputSerializer(
            {"campaign_id": enrollment.campaign_id, "enrolled_at": enrollment.enrolled_at}
        ).data
        return Response(body, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)
