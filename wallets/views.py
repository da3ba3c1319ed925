"""The signed-in user's own wallet and ledger (the `user` role only; admins get 403)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import generics
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import IsRegularUser
from clicknback.openapi import errors
from clicknback.pagination import LimitOffsetPagination
from wallets.selectors import wallet_entries_of, wallet_for_user
from wallets.serializers import WalletEntryOutputSerializer, WalletOutputSerializer, wallet_data, wallet_entry_data


class WalletEntryPagination(LimitOffsetPagination):
    """`count` is the wallet's `entry_count` (the ledger's length: `wallet_post` keeps it and
    `verify_ledger` checks it), so a page costs the same for 10 entries or 100,000; a COUNT(*)
    would read the user's whole ledger on every request."""

    entry_count: int | None = None

    def get_count(self, queryset) -> int:
        return self.entry_count if self.entry_count is not None else super().get_count(queryset)


class WalletView(APIView):
    permission_classes = [IsRegularUser]

    @extend_schema(
        tags=["wallet"],
        summary="My balances",
        description="Zeros for a user who never earned anything (reading creates nothing).",
        responses={200: WalletOutputSerializer, **errors(403)},
    )
    def get(self, request: Request) -> Response:
        return Response(wallet_data(wallet_for_user(user_id=request.user.pk)))


class WalletTransactionListView(generics.ListAPIView):
    permission_classes = [IsRegularUser]
    serializer_class = WalletEntryOutputSerializer
    pagination_class = WalletEntryPagination
    filter_backends: list = []

    def get_queryset(self):
        wallet = wallet_for_user(user_id=self.request.user.pk)
        self.paginator.entry_count = wallet.entry_count
        return wallet_entries_of(wallet=wallet)

    def list(self, request: Request, *args, **kwargs) -> Response:
        """ListAPIView's list, rendering each entry with `wallet_entry_data` (the serializer's output)."""
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response([wallet_entry_data(entry) for entry in page])

    @extend_schema(
        tags=["wallet"],
        summary="My ledger entries",
        description="Newest first; each entry carries the balances right after it.",
        responses={200: WalletEntryOutputSerializer(many=True), **errors(403)},
    )
    def get(self, request: Request, *args, **kwargs) -> Response:
        return super().get(request, *args, **kwargs)
