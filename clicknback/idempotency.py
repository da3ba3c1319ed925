"""`Idempotency-Key` for any POST: a retry with the same key and request gets the first response,
and the work is done once. Contract: api-v1.md, Payouts (optional, per user, kept 24 hours; the
same key for another request is 409 IDEMPOTENCY_KEY_REUSED; only a success is remembered).

    class PayoutListCreateView(APIView):
        @idempotent(PayoutRequestInputSerializer)
        def post(self, request, *, data):
            payout = payout_create(user=request.user, **data)   # a step joining this transaction
            return Response(PayoutOutputSerializer(payout).data, status=201)

The decorator is the transaction boundary: the key row, the work and the stored response commit
together or not at all, so the decorated view calls the service's in-transaction step.

One fingerprint recipe: the route (method, URL pattern, URL arguments) and the serializer's
validated data in canonical JSON, never the raw bytes. Amount `10` and `"10.00"`, or an IBAN
with spaces and without, are the same request.
"""

from __future__ import annotations

import hashlib
import json
import re
import uuid
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from functools import wraps
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import HttpResponse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework.exceptions import ValidationError
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import Serializer

from clicknback.errors import IdempotencyKeyReused
from clicknback.integrity import violated_constraint
from clicknback.models import IdempotencyKey
from clicknback.money import format_money

IDEMPOTENCY_HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
_KEY_SHAPE = re.compile(r"^[\x21-\x7e]{1,255}$")
_KEY_CONSTRAINT = "idempotency_key_unique"

IDEMPOTENCY_PARAMETER = OpenApiParameter(
    IDEMPOTENCY_HEADER,
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    description=(
        "Optional, per user, kept 24 hours (1-255 printable ASCII characters). A retry with the same key "
        "and body returns the first response and does the work once; the same key with another body is "
        "409 IDEMPOTENCY_KEY_REUSED. Only a success is remembered: after an error the key is still free."
    ),
)

View = Callable[..., Response]


def idempotent(serializer_class: type[Serializer]) -> Callable[[View], Callable[..., HttpResponse]]:
    """Decorate an APIView's `post(self, request, *, data, **url_kwargs)`: the request is validated
    with `serializer_class`, and the post runs inside one durable transaction, at most once per key."""

    def decorate(post: View) -> Callable[..., HttpResponse]:
        @wraps(post)
        def wrapper(view: Any, request: Request, **url_kwargs: Any) -> HttpResponse:
            key = idempotency_key(request)
            serializer = serializer_class(data=request.data)
            serializer.is_valid(raise_exception=True)
            data = serializer.validated_data

            def run() -> HttpResponse:
                return _rendered(post(view, request, data=data, **url_kwargs))

            if key is None:
                with transaction.atomic(durable=True):
                    return run()
            return run_once(user=request.user, key=key, fingerprint=request_fingerprint(request, data), run=run)

        return wrapper

    return decorate


def idempotency_key(request: Request) -> str | None:
    key = request.headers.get(IDEMPOTENCY_HEADER)
    if key is None:
        return None
    if not valid_key(key):
        raise ValidationError({IDEMPOTENCY_HEADER: ["Use 1 to 255 printable ASCII characters."]})
    return key


def valid_key(key: str) -> bool:
    return bool(_KEY_SHAPE.match(key))


def request_fingerprint(request: Request, data: Any) -> str:
    """sha256 of the route (method, URL pattern without its trailing slash, URL arguments) and the
    validated data, in canonical JSON."""
    match = request.resolver_match
    route = {"method": request.method, "route": match.route.rstrip("/"), "args": match.kwargs}
    return fingerprint_of(route=route, data=data)


def fingerprint_of(*, route: dict[str, Any], data: Any) -> str:
    canonical = json.dumps({"route": route, "data": data}, sort_keys=True, separators=(",", ":"), default=_canonical)
    return hashlib.sha256(canonical.encode()).hexdigest()


def idempotency_keys_purge(*, now: datetime | None = None) -> int:
    """Delete keys older than IDEMPOTENCY_KEY_TTL (they are already ignored); returns how many."""
    deleted, _ = IdempotencyKey.objects.filter(created_at__lt=_key_cutoff(now)).delete()
    return deleted


def _canonical(value: Any) -> str:
    """JSON for what validated data holds beyond JSON's types: money as two-place strings."""
    if isinstance(value, Decimal):
        return format_money(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    raise TypeError(f"No canonical form for {type(value).__name__} in a fingerprint.")


def run_once(*, user: Any, key: str, fingerprint: str, run: Callable[[], HttpResponse]) -> HttpResponse:
    """`run()` at most once per user and key, in one durable transaction with the key row; a repeat
    gets the stored response (REPLAYED_HEADER set). The key row is inserted first in the work's
    transaction: a concurrent request with the same key waits on the unique index, fails once the
    first commits, and replays its response. `@idempotent` and the member site's forms use it."""
    # Two rounds at most: if our insert loses the race, the winner has committed and is replayed.
    for _ in range(2):
        stored = IdempotencyKey.objects.filter(user=user, key=key, created_at__gte=_key_cutoff()).first()
        if stored is not None:
            return _replay(stored, fingerprint=fingerprint)
        try:
            with transaction.atomic(durable=True):
                IdempotencyKey.objects.filter(user=user, key=key, created_at__lt=_key_cutoff()).delete()
                record = IdempotencyKey.objects.create(user=user, key=key, fingerprint=fingerprint)
                response = run()
                if response.status_code >= 400:  # an error answered, not raised: the key stays free
                    transaction.set_rollback(True)
                    return response
                record.response_status = response.status_code
                record.response_body = response.content.decode()
                record.save(update_fields=["response_status", "response_body"])
                return response
        except IntegrityError as exc:
            if violated_constraint(exc) != _KEY_CONSTRAINT:
                raise
    raise RuntimeError("The idempotency key row vanished between conflict and replay.")


def _replay(stored: IdempotencyKey, *, fingerprint: str) -> HttpResponse:
    if stored.fingerprint != fingerprint:
        raise IdempotencyKeyReused()
    response = HttpResponse(stored.response_body, status=stored.response_status, content_type="application/json")
    response[REPLAYED_HEADER] = "true"
    return response


def _rendered(response: Response) -> HttpResponse:
    """The response as the bytes a replay will repeat exactly."""
    body = JSONRenderer().render(response.data)
    return HttpResponse(body, status=response.status_code, content_type="application/json")


def _key_cutoff(now: datetime | None = None) -> datetime:
    return (now or timezone.now()) - settings.IDEMPOTENCY_KEY_TTL
