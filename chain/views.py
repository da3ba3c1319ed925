"""The signed-in user's chain address (the `user` role only): parse, call one service or selector, render."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import IsRegularUser
from chain.selectors import chain_address_of, token_wallet_of
from chain.serializers import (
    ChainAddressOutputSerializer,
    ChallengeInputSerializer,
    ChallengeOutputSerializer,
    LinkInputSerializer,
    PreferenceInputSerializer,
    TokenWalletOutputSerializer,
)
from chain.services import (
    chain_address_link,
    chain_address_set_preference,
    chain_address_unlink,
    chain_challenge_create,
)
from clicknback.openapi import errors


def _validated(serializer_class: type, request: Request) -> dict:
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


class ChainChallengeView(APIView):
    permission_classes = [IsRegularUser]

    @extend_schema(
        tags=["chain"],
        summary="A one-time message to sign",
        request=ChallengeInputSerializer,
        responses={201: ChallengeOutputSerializer, **errors(403)},
        description="Sign the message with the address's key (personal_sign), then PUT /me/chain-address "
        "within 10 minutes.",
    )
    def post(self, request: Request) -> Response:
        challenge = chain_challenge_create(user=request.user, **_validated(ChallengeInputSerializer, request))
        return Response(ChallengeOutputSerializer(challenge).data, status=201)


class ChainAddressView(APIView):
    permission_classes = [IsRegularUser]

    @extend_schema(
        tags=["chain"], summary="My chain address", responses={200: ChainAddressOutputSerializer, **errors(403, 404)}
    )
    def get(self, request: Request) -> Response:
        return Response(ChainAddressOutputSerializer(chain_address_of(user_id=request.user.pk)).data)

    @extend_schema(
        tags=["chain"],
        summary="Link my chain address",
        request=LinkInputSerializer,
        responses={200: ChainAddressOutputSerializer, **errors(403, e409="ADDRESS_IN_USE")},
        description="`400` on `signature` for a signature of another key (the challenge stays valid), on "
        "`address` for a used, expired or missing challenge. Replaces any address linked before.",
    )
    def put(self, request: Request) -> Response:
        linked = chain_address_link(user=request.user, **_validated(LinkInputSerializer, request))
        return Response(ChainAddressOutputSerializer(linked).data)

    @extend_schema(
        tags=["chain"],
        summary="Choose how cashback is paid",
        request=PreferenceInputSerializer,
        responses={200: ChainAddressOutputSerializer, **errors(403, 404)},
    )
    def patch(self, request: Request) -> Response:
        linked = chain_address_set_preference(user=request.user, **_validated(PreferenceInputSerializer, request))
        return Response(ChainAddressOutputSerializer(linked).data)

    @extend_schema(
        tags=["chain"],
        summary="Unlink my chain address",
        responses={204: None, **errors(403, 404)},
        description="Token payouts already requested go on to the address they were requested for.",
    )
    def delete(self, request: Request) -> Response:
        chain_address_unlink(user=request.user)
        return Response(status=204)


class TokenWalletView(APIView):
    permission_classes = [IsRegularUser]

    @extend_schema(
        tags=["wallet"],
        summary="My cashback tokens",
        responses={200: TokenWalletOutputSerializer, **errors(403)},
        description="`onchain_balance` is read from the chain through the chain adapter; when the adapter is down, "
        "`503 SERVICE_UNAVAILABLE` for this endpoint alone.",
    )
    def get(self, request: Request) -> Response:
        return Response(TokenWalletOutputSerializer(token_wallet_of(user_id=request.user.pk)).data)
