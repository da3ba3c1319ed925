"""Purchases over HTTP: the partner webhook, and reading and administering purchases."""

from __future__ import annotations

import uuid
from collections import Counter
from typing import Any

from django.conf import settings
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import generics, status
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import BaseThrottle
from rest_framework.views import APIView

from accounts.authentication import PARTNER_KEY_HEADER, PartnerSignatureAuthentication
from accounts.models import Partner, WebhookOutcome
from accounts.permissions import IsPartner, IsRegularUser
from accounts.services import webhook_count
from clicknback.actors import Actor
from clicknback.errors import DuplicatePurchase, RateLimited, exception_handler
from clicknback.metrics import count_rejected_purchase
from clicknback.openapi import errors
from clicknback.ratelimit import count_rate_limit_hits, enforce_rate_limit
from purchases.batch import purchases_ingest_batch
from purchases.filters import PurchaseFilter
from purchases.models import Purchase
from purchases.permissions import CanReviewPurchases
from purchases.selectors import purchase_get, purchase_list
from purchases.serializers import (
    EVENT_CONFIRMED,
    EVENT_CREATED,
    BatchInputSerializer,
    BatchOutputSerializer,
    PurchaseOutputSerializer,
    QuoteInputSerializer,
    QuoteOutputSerializer,
    ReverseInputSerializer,
    WebhookInputSerializer,
    purchase_data,
    quote_data,
    webhook_events_validate,
)
from purchases.services import cashback_quote, purchase_confirm, purchase_ingest, purchase_reverse

_WEBHOOK_DESCRIPTION = """Partners report purchases here, signed (`X-Partner-Key`, `X-Signature`), not with a JWT.

| event | fields | success |
|---|---|---|
| `purchase.created` | `external_id`, `user_id` or `click_id`, `merchant_id`, `amount`, `currency`, \
`purchased_at?`, `order_reference?` | 201 |
| `purchase.confirmed` | `external_id` | 200 |
| `purchase.reversed` | `external_id`, `reason?` | 200 |

A repeated transition answers 200 with nothing changed. A flagged purchase stays `pending` on
`purchase.confirmed` until staff clear the flag.

With `click_id` (instead of `user_id`), the user who made the click earns: an unknown click is
`CLICK_NOT_FOUND`, a purchase more than 5 minutes before the click or after its window
(`CLICK_TTL_DAYS`) `CLICK_EXPIRED`, a click at another merchant `CLICK_MERCHANT_MISMATCH` (in that
order). An `order_reference` the merchant already has a non-reversed purchase for (a partner's, or
an approved claim's) is `409 DUPLICATE_PURCHASE` with `details.purchase_id`."""


_BATCH_DESCRIPTION = """Many events of `POST /webhooks/purchases` in one signed body (the signature covers it
whole): `{"events": [...]}`, 1 to 500 events, at most 4 MiB (413 above).

Answers `200 {"results": [...]}`, one result per event, in order: `{index, status, purchase}` on success
(201 created, 200 a transition or a repeated one), `{index, status, error}` otherwise, with the status and
error the single webhook would answer. Each event gets exactly the outcome it would get if the events were
sent one after another in batch order; a refused event changes nothing and undoes nothing. Each event counts
against the partner's rate limit: those past it get `429 RATE_LIMITED` in their result."""

IsRegularUserOrPartner = IsRegularUser | IsPartner

# Answers to an authenticated partner that refuse its event (401 and 429 are not about the event).
REJECTION_STATUSES = frozenset({400, 404, 409, 422})


class PurchaseWebhookView(APIView):
    authentication_classes = [PartnerSignatureAuthentication]
    permission_classes = [IsPartner]

    @extend_schema(
        operation_id="webhook_purchases",
        tags=["webhooks"],
        summary="Partner purchase events",
        description=_WEBHOOK_DESCRIPTION,
        request=WebhookInputSerializer,
        responses={
            201: PurchaseOutputSerializer,
            200: PurchaseOutputSerializer,
            **errors(
                404,
                429,
                e401="INVALID_SIGNATURE",
                e409="DUPLICATE_PURCHASE, INVALID_STATE_TRANSITION",
                e422=(
                    "USER_NOT_ELIGIBLE, MERCHANT_NOT_ELIGIBLE, OFFER_NOT_AVAILABLE, UNSUPPORTED_CURRENCY, "
                    "AMOUNT_TOO_LARGE, CLICK_NOT_FOUND, CLICK_EXPIRED, CLICK_MERCHANT_MISMATCH"
                ),
            ),
        },
        examples=[
            OpenApiExample(
                "purchase.created",
                request_only=True,
                value={
                    "event": "purchase.created",
                    "external_id": "order-1001",
                    "user_id": "3fa85f64-5717-4562-b3fc-2c963f66afa6",
                    "merchant_id": "9c1d1a6e-4c1e-4d3c-8a55-2b0f4f1f9e10",
                    "amount": "150.00",
                    "currency": "EUR",
                    "purchased_at": "2025-01-15T10:30:00Z",
                },
            ),
            OpenApiExample(
                "purchase.reversed",
                request_only=True,
                value={"event": "purchase.reversed", "external_id": "order-1001"},
            ),
        ],
    )
    def post(self, request: Request) -> Response:
        partner = request.auth
        enforce_rate_limit(request, group="webhook-purchases", key=partner.key, rate=settings.WEBHOOK_RATE_LIMIT)
        serializer = WebhookInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        actor = Actor.for_partner(partner)
        if data["event"] == EVENT_CREATED:
            purchase = purchase_ingest(
                partner=partner,
                external_id=data["external_id"],
                user_id=data.get("user_id"),
                click_id=data.get("click_id"),
                merchant_id=data["merchant_id"],
                amount=data["amount"],
                currency=data["currency"],
                purchased_at=data.get("purchased_at"),
                order_reference=data.get("order_reference"),
                count_webhook=True,  # in the ingestion's transaction
                actor=actor,
            )
            return Response(purchase_data(purchase), status=status.HTTP_201_CREATED)
        if data["event"] == EVENT_CONFIRMED:
            purchase, _ = purchase_confirm(external_id=data["external_id"], partner=partner, actor=actor)
        else:
            purchase, _ = purchase_reverse(
                external_id=data["external_id"], partner=partner, reason=data.get("reason", ""), actor=actor
            )
        webhook_count(partner_id=partner.id, outcome=WebhookOutcome.UPDATED)
        return Response(purchase_data(purchase))

    def handle_exception(self, exc: Exception) -> Response:
        """Count each refused event by the code its answer carries, in the metrics and in the
        partner's health (a duplicate apart: a partner's retry, not a fault). Signature failures are
        counted by the authentication, 429s not at all (the limiter refuses before the event is read)."""
        response = super().handle_exception(exc)
        if response.status_code in REJECTION_STATUSES:
            outcome, code = _rejection(response.data["error"]["code"])
            webhook_count(partner_id=self.request.auth.id, outcome=outcome, code=code)
        return response


def _rejection(code: str) -> tuple[WebhookOutcome, str]:
    """A refused event in the metrics, and how the partner's health counts it."""
    count_rejected_purchase(code=code)
    if code == DuplicatePurchase.code:
        return WebhookOutcome.DUPLICATE, ""
    return WebhookOutcome.REJECTED, code


class PurchaseBatchWebhookView(APIView):
    authentication_classes = [PartnerSignatureAuthentication]
    permission_classes = [IsPartner]

    @extend_schema(
        operation_id="webhook_purchases_batch",
        tags=["webhooks"],
        summary="Partner purchase events, in bulk",
        description=_BATCH_DESCRIPTION,
        request=BatchInputSerializer,
        responses={200: BatchOutputSerializer, **errors(e401="INVALID_SIGNATURE")},
    )
    def post(self, request: Request) -> Response:
        partner = request.auth
        envelope = BatchInputSerializer(data=request.data)
        envelope.is_valid(raise_exception=True)
        events = envelope.validated_data["events"]
        allowed, retry_after = count_rate_limit_hits(
            request, group="webhook-purchases", key=partner.key, rate=settings.WEBHOOK_RATE_LIMIT, hits=len(events)
        )
        results: list[dict[str, Any]] = [{} for _ in events]
        valid: list[tuple[int, dict[str, Any]]] = []
        for index, (data, problems) in enumerate(webhook_events_validate(events[:allowed])):
            if data is not None:
                valid.append((index, data))
            else:
                results[index] = _refused(index, ValidationError(problems))
        for index in range(allowed, len(events)):  # the events past the limit, as many single webhooks past it
            results[index] = _refused(index, RateLimited(retry_after=retry_after))
        if valid:
            outcomes = purchases_ingest_batch(
                partner=partner, events=[data for _, data in valid], actor=Actor.for_partner(partner)
            )
            for (index, _), outcome in zip(valid, outcomes, strict=True):
                if outcome.error is not None:
                    results[index] = _refused(index, outcome.error)
                else:
                    results[index] = {
                        "index": index,
                        "status": outcome.status,
                        "purchase": purchase_data(outcome.purchase),
                    }
        _count_batch(partner, results)
        return Response({"results": results})


def _refused(index: int, exc: Exception) -> dict[str, Any]:
    """An event's refusal as the single webhook would answer it (its status and error envelope)."""
    response = exception_handler(exc, {})
    return {"index": index, "status": response.status_code, **response.data}


def _count_batch(partner: Partner, results: list[dict[str, Any]]) -> None:
    """The batch's events in the partner's health, one statement per outcome and code."""
    counts: Counter[tuple[WebhookOutcome, str]] = Counter()
    for result in results:
        if result["status"] == status.HTTP_201_CREATED:
            counts[(WebhookOutcome.CREATED, "")] += 1
        elif result["status"] == status.HTTP_200_OK:
            counts[(WebhookOutcome.UPDATED, "")] += 1
        elif result["status"] in REJECTION_STATUSES:
            counts[_rejection(result["error"]["code"])] += 1
    for (outcome, code), count in sorted(counts.items()):
        webhook_count(partner_id=partner.id, outcome=outcome, code=code, count=count)


class QuoteRateLimit(BaseThrottle):
    """`QUOTE_RATE_LIMIT` per caller (the partner, or the user), in place of the per-user write
    limit: a quote writes nothing, and a shop's basket asks for one on every change."""

    def allow_request(self, request: Request, view: Any) -> bool:
        partner = request.auth if isinstance(request.auth, Partner) else None
        caller = f"partner:{partner.key}" if partner else f"user:{request.user.pk}"
        enforce_rate_limit(request, group="cashback-quote", key=caller, rate=settings.QUOTE_RATE_LIMIT)
        return True


class CashbackQuoteView(APIView):
    """Users with their token, partners with the webhook's signature (`X-Partner-Key` present)."""

    permission_classes = [IsRegularUserOrPartner]
    throttle_classes = [QuoteRateLimit]

    def get_authenticators(self) -> list[Any]:
        if self.request is not None and PARTNER_KEY_HEADER in self.request.headers:
            return [PartnerSignatureAuthentication()]
        return super().get_authenticators()

    @extend_schema(
        operation_id="cashback_calculate",
        tags=["purchases"],
        summary="Quote a purchase's cashback: exactly what ingestion would book now; nothing is booked",
        request=QuoteInputSerializer,
        responses={
            200: QuoteOutputSerializer,
            **errors(
                400,
                403,
                429,
                e401="NOT_AUTHENTICATED, TOKEN_INVALID, INVALID_SIGNATURE",
                e422=(
                    "USER_NOT_ELIGIBLE, MERCHANT_NOT_ELIGIBLE, OFFER_NOT_AVAILABLE, AMOUNT_TOO_LARGE, "
                    "CLICK_NOT_FOUND, CLICK_EXPIRED, CLICK_MERCHANT_MISMATCH"
                ),
            ),
        },
    )
    def post(self, request: Request) -> Response:
        partner = request.auth if isinstance(request.auth, Partner) else None
        serializer = QuoteInputSerializer(data=request.data, context={"partner": partner})
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        quote = cashback_quote(
            merchant_id=data["merchant_id"],
            amount=data["amount"],
            purchased_at=data.get("purchased_at"),
            user_id=data.get("user_id") if partner else request.user.pk,
            click_id=data.get("click_id") if partner else None,
        )
        return Response(quote_data(quote))


class PurchaseListView(generics.ListAPIView):
    serializer_class = PurchaseOutputSerializer
    # For the schema's parameters only: `purchase_list` reads and filters.
    queryset = Purchase.objects.none()
    filterset_class = PurchaseFilter

    def list(self, request: Request, *args, **kwargs) -> Response:
        """ListAPIView's list, rendering each row with `purchase_data` (the serializer's output)."""
        page = self.paginate_queryset(purchase_list(user=request.user, filters=request.query_params))
        return self.get_paginated_response([purchase_data(purchase) for purchase in page])

    @extend_schema(
        tags=["purchases"],
        summary="List purchases",
        description="Users see their own purchases and may filter by `status`; staff with the view permission "
        "of the purchase screen (superusers, support, finance) see all and may use every filter. Staff without it "
        "are served as a user: they see nothing (a staff account has no purchases). Newest first.",
        responses={200: PurchaseOutputSerializer(many=True), **errors()},
    )
    def get(self, request: Request, *args, **kwargs) -> Response:
        return super().get(request, *args, **kwargs)


class PurchaseDetailView(APIView):
    @extend_schema(
        tags=["purchases"],
        summary="One purchase",
        description="The owner or staff with the view permission of the purchase screen; anyone else gets 404.",
        responses={200: PurchaseOutputSerializer, **errors(404)},
    )
    def get(self, request: Request, purchase_id: uuid.UUID) -> Response:
        return Response(purchase_data(purchase_get(user=request.user, purchase_id=purchase_id)))


class PurchaseConfirmView(APIView):
    permission_classes = [CanReviewPurchases]

    @extend_schema(
        tags=["purchases"],
        summary="Confirm a purchase (admin)",
        description=(
            "As the `purchase.confirmed` event; a flagged purchase is confirmed and its flag cleared. "
            "Needs the review permission (superusers, support); anyone else gets 403."
        ),
        request=None,
        responses={200: PurchaseOutputSerializer, **errors(403, 404, e409="INVALID_STATE_TRANSITION")},
    )
    def post(self, request: Request, purchase_id: uuid.UUID) -> Response:
        purchase, _ = purchase_confirm(purchase_id=purchase_id, actor=Actor.for_user(request.user))
        return Response(purchase_data(purchase))


class PurchaseReverseView(APIView):
    permission_classes = [CanReviewPurchases]

    @extend_schema(
        tags=["purchases"],
        summary="Reverse a purchase (admin)",
        description=(
            "As the `purchase.reversed` event. Needs the review permission (superusers, support); anyone else gets 403."
        ),
        request=ReverseInputSerializer,
        responses={200: PurchaseOutputSerializer, **errors(403, 404)},
    )
    def post(self, request: Request, purchase_id: uuid.UUID) -> Response:
        serializer = ReverseInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        purchase, _ = purchase_reverse(
            purchase_id=purchase_id, reason=serializer.validated_data["reason"], actor=Actor.for_user(request.user)
        )
        return Response(purchase_data(purchase))
