"""The caller's notifications: parse, call one service or selector, render."""

from __future__ import annotations

import uuid

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from clicknback.openapi import errors
from clicknback.pagination import LimitOffsetPagination
from notifications.selectors import notification_list
from notifications.serializers import NotificationOutputSerializer, NotificationPageSerializer
from notifications.services import notification_read, notifications_read_all


class NotificationListView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="notifications_list",
        parameters=[
            OpenApiParameter("unread", OpenApiTypes.BOOL, description="Only the unread ones."),
            OpenApiParameter("limit", OpenApiTypes.INT, description="Default 20, at most 100."),
            OpenApiParameter("offset", OpenApiTypes.INT),
        ],
        responses={200: NotificationPageSerializer, **errors()},
        description="The caller's notifications, newest first.",
    )
    def get(self, request: Request) -> Response:
        paginator = LimitOffsetPagination()
        page = paginator.paginate_queryset(
            notification_list(user=request.user, filters=request.query_params), request, view=self
        )
        return paginator.get_paginated_response(NotificationOutputSerializer(page, many=True).data)


class NotificationReadView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="notifications_read",
        request=None,
        responses={200: NotificationOutputSerializer, **errors(404)},
        description="Mark one of the caller's notifications read (repeating it changes nothing).",
    )
    def post(self, request: Request, notification_id: uuid.UUID) -> Response:
        notification = notification_read(user=request.user, notification_id=notification_id)
        return Response(NotificationOutputSerializer(notification).data)


class NotificationReadAllView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="notifications_read_all",
        request=None,
        responses={204: None, **errors()},
        description="Mark every notification of the caller read.",
    )
    def post(self, request: Request) -> Response:
        notifications_read_all(user=request.user)
        return Response(status=204)
