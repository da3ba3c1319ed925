"""The signed-in user's own wallet and ledger (the `user` role only; admins get 403)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import generics
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import IsRegularUser
from clicknback.openapi import errors
from wallets.selectors import wallet_entries_for_user, wallet_for_user
from wallets.serializers import WalletEntryOutputSerializer, WalletOutputSerializer


class WalletView(APIView):
    permission_classes = [IsRegularUser]

    @extend_schema(
        tags=["wallet"],
        summary="My balances",
        description="Zeros for a user who never earned anything (reading creates nothing).",
        responses={200: WalletOutputSerializer, **errors(403)},
    )
    def get(self, request: Request) -> Response:
        return Response(WalletOutputSerializer(wallet_for_user(user_id=request.user.pk)).data)


class WalletTransactionListView(generics.ListAPIView):
    permission_classes = [IsRegularUser]
    serializer_class = WalletEntryOutputSerializer
    filter_backends: list = []

    def get_queryset(self):
        return wallet_entries_for_user(user_id=self.request.user.pk)

    @extend_schema(
        tags=["wallet"],
        summary="My ledger entries",
        description="Newest first; each entry carries the balances right after it.",
        responses={200: WalletEntryOutputSerializer(many=True), **errors(403)},
    )
    def get(self, request: Request, *args, **kwargs) -> Response:
        return super().get(request, *args, **kwargs)
