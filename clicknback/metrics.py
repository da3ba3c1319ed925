"""Prometheus metrics, correct under gunicorn with several workers.

With `PROMETHEUS_MULTIPROC_DIR` set (gunicorn.conf.py prepares it) every worker writes its samples to
memory-mapped files in that folder and a scrape of any worker adds them all up; without it (tests,
`runserver`) the default in-process registry is used.

Business counters come from `events.outbox.record` (domain events) and
`clicknback.events.record_event` (other log events), after commit. The event names and
fields counted here are the contract between the services and the dashboards:

| event                | counted as                                                                  |
|----------------------|-----------------------------------------------------------------------------|
| `purchase.created`   | purchases_ingested{merchant_id, outcome="accepted" or "flagged" (`flagged`), |
|                      | code=""} and cashback_amount{state="pending"} += `cashback_amount`          |
| `cashback.approved`  | cashback_amount{state="available"} += `cashback_amount`                     |
| `purchase.reversed`  | cashback_amount{state="reversed"} += `cashback_amount`                      |
| `payout.requested`   | payouts{state="requested"} += 1, payout_amount{state="requested"} += `amount` |
| `payout.completed`   | the same with state="completed"                                             |
| `payout.failed`      | the same with state="failed"                                                |

Every event, named above or not, is also counted in `clicknback_events_total{event}`.
A refused webhook event (nothing committed, so no event) is counted by the webhook view with
`count_rejected_purchase`: purchases_ingested{merchant_id="", outcome="rejected", code=<error code>}.
The counters above count what the web workers did; the job worker (`confirm_due_purchases`) runs
in another process, so the system's totals are also read from the database at scrape time:
`clicknback_fraud_review_queue_size` (pending, flagged purchases), `clicknback_cashback_held{state}`
and `clicknback_payouts_by_status{status}` / `clicknback_payout_amount_by_status{status}`.
"""

from __future__ import annotations

import hmac
import ipaddress
import logging
import os
from collections.abc import Callable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from django.apps import apps
from django.conf import settings
from django.db import DatabaseError, InterfaceError, OperationalError
from django.db.models import Count, Sum
from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from prometheus_client import REGISTRY, CollectorRegistry, Counter, Histogram
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.exposition import choose_encoder
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.permissions import AllowAny
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.views import APIView

from clicknback.errors import error_json_response
from clicknback.openapi import ErrorBody

logger = logging.getLogger("clicknback.metrics")

MULTIPROCESS_DIR_ENV = "PROMETHEUS_MULTIPROC_DIR"

HTTP_REQUESTS = Counter(
    "clicknback_http_requests", "HTTP requests served, by URL pattern and status.", ["method", "route", "status"]
)
HTTP_LATENCY = Histogram(
    "clicknback_http_request_duration_seconds",
    "Time to serve a request, by URL pattern and status.",
    ["method", "route", "status"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
EVENTS = Counter("clicknback_events", "Committed financial events, by name.", ["event"])
READ_CACHE = Counter(
    "clicknback_read_cache", "Read-cache lookups, by cache and outcome (hit, miss).", ["cache", "outcome"]
)
PURCHASES_INGESTED = Counter(
    "clicknback_purchases_ingested",
    "Purchases reported by partners, by merchant and outcome (and the error code of a rejection).",
    ["merchant_id", "outcome", "code"],
)
CASHBACK_AMOUNT = Counter(
    "clicknback_cashback_amount", "Cashback moved into each state, in the platform currency.", ["state"]
)
PAYOUTS = Counter("clicknback_payouts", "Payouts entering each state.", ["state"])
PAYOUT_AMOUNT = Counter("clicknback_payout_amount", "Payout amounts entering each state, platform currency.", ["state"])
DB_CONNECTION_ERRORS = Counter(
    "clicknback_db_connection_errors", "Requests answered 503 because the database could not be reached."
)

CASHBACK_STATE_BY_EVENT = {
    "purchase.created": "pending",
    "cashback.approved": "available",
    "purchase.reversed": "reversed",
}
PAYOUT_STATE_BY_EVENT = {"payout.requested": "requested", "payout.completed": "completed", "payout.failed": "failed"}


def observe_request(*, method: str, route: str, status: int, seconds: float) -> None:
    labels = {"method": method, "route": route, "status": str(status)}
    HTTP_REQUESTS.labels(**labels).inc()
    HTTP_LATENCY.labels(**labels).observe(seconds)


def count_db_connection_error() -> None:
    DB_CONNECTION_ERRORS.inc()


def count_rejected_purchase(*, code: str) -> None:
    """A refused partner event, by error code. Not by merchant: a refused report's merchant id is
    whatever the sender wrote, and every distinct label value would be a new series."""
    PURCHASES_INGESTED.labels(merchant_id="", outcome="rejected", code=code).inc()


def _amount(value: Any) -> float:
    try:
        return float(Decimal(str(value)))
    except (InvalidOperation, ValueError, TypeError):
        return 0.0


def count_event(event: str, fields: Mapping[str, Any]) -> None:
    """Count one committed event (see the table above for what each name adds to)."""
    EVENTS.labels(event=event).inc()
    if event == "purchase.created":
        outcome = "flagged" if str(fields.get("flagged")).lower() in {"true", "1"} else "accepted"
        PURCHASES_INGESTED.labels(merchant_id=str(fields.get("merchant_id") or ""), outcome=outcome, code="").inc()
    if event in CASHBACK_STATE_BY_EVENT and fields.get("cashback_amount") is not None:
        CASHBACK_AMOUNT.labels(state=CASHBACK_STATE_BY_EVENT[event]).inc(_amount(fields["cashback_amount"]))
    if event in PAYOUT_STATE_BY_EVENT:
        state = PAYOUT_STATE_BY_EVENT[event]
        PAYOUTS.labels(state=state).inc()
        if fields.get("amount") is not None:
            PAYOUT_AMOUNT.labels(state=state).inc(_amount(fields["amount"]))


def database_state() -> list[GaugeMetricFamily]:
    """Totals of the whole system, whichever process (web worker or job) changed them."""
    purchase = apps.get_model("purchases", "Purchase")
    payout = apps.get_model("payouts", "Payout")
    queue, cashback, payouts, payout_amounts = _families()
    queue.add_metric([], purchase.objects.filter(flagged=True, status="pending").count())
    by_cashback_state = purchase.objects.values_list("cashback_status").annotate(total=Sum("cashback_amount"))
    for state, total in by_cashback_state.order_by():
        cashback.add_metric([state], float(total or 0))
    by_payout_status = payout.objects.values_list("status").annotate(count=Count("id"), total=Sum("amount"))
    for status, count, total in by_payout_status.order_by():
        payouts.add_metric([status], count)
        payout_amounts.add_metric([status], float(total or 0))
    return [queue, cashback, payouts, payout_amounts]


def _families() -> list[GaugeMetricFamily]:
    return [
        GaugeMetricFamily("clicknback_fraud_review_queue_size", "Pending purchases flagged for staff review."),
        GaugeMetricFamily(
            "clicknback_cashback_held", "Cashback of all purchases, by cashback state.", labels=["state"]
        ),
        GaugeMetricFamily("clicknback_payouts_by_status", "Payouts in each status.", labels=["status"]),
        GaugeMetricFamily("clicknback_payout_amount_by_status", "Payout amounts in each status.", labels=["status"]),
    ]


# More gauges read at scrape time, registered by the apps that own their tables (in `ready()`):
# the core knows no app.
_DATABASE_GAUGES: list[Callable[[], list[GaugeMetricFamily]]] = []


def database_gauges_register(state: Callable[[], list[GaugeMetricFamily]]) -> None:
    if state not in _DATABASE_GAUGES:
        _DATABASE_GAUGES.append(state)


class DatabaseStateCollector(Collector):
    """Gauges read from the database at scrape time, so every worker reports the same truth."""

    def describe(self) -> list[GaugeMetricFamily]:
        return _families()

    def collect(self) -> list[GaugeMetricFamily]:
        try:
            return database_state() + [family for state in _DATABASE_GAUGES for family in state()]
        except DatabaseError as exc:
            # A broken gauge must not take the rest of the scrape down with it.
            if isinstance(exc, (OperationalError, InterfaceError)):
                count_db_connection_error()
            logger.warning("Database gauges unavailable: %s", exc.__class__.__name__)
            return []


def multiprocess_mode() -> bool:
    return bool(os.environ.get(MULTIPROCESS_DIR_ENV))


if not multiprocess_mode():
    REGISTRY.register(DatabaseStateCollector())


def scrape_registry() -> CollectorRegistry:
    if not multiprocess_mode():
        return REGISTRY
    registry = CollectorRegistry()
    MultiProcessCollector(registry)
    registry.register(DatabaseStateCollector())
    return registry


def metrics_access_allowed(request: Request) -> bool:
    """A valid `Authorization: Bearer <METRICS_TOKEN>`, or a client address in METRICS_ALLOWED_IPS."""
    token = settings.METRICS_TOKEN
    scheme, _, presented = request.headers.get("Authorization", "").partition(" ")
    if token and scheme.lower() == "bearer" and hmac.compare_digest(presented.strip().encode(), token.encode()):
        return True
    try:
        client = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
    except ValueError:
        return False
    return any(client in ipaddress.ip_network(allowed, strict=False) for allowed in settings.METRICS_ALLOWED_IPS)


class IgnoreAcceptNegotiation(BaseContentNegotiation):
    """The view writes the exposition format itself (by Prometheus' Accept); DRF only renders errors."""

    def select_renderer(self, request: Request, renderers: list, format_suffix: str | None = None) -> tuple:
        return renderers[0], renderers[0].media_type

    def select_parser(self, request: Request, parsers: list) -> None:
        return None


class MetricsView(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]
    renderer_classes = [JSONRenderer]
    content_negotiation_class = IgnoreAcceptNegotiation

    @extend_schema(
        tags=["operations"],
        summary="Prometheus metrics",
        description=(
            "Prometheus text exposition format (not JSON). Allowed for a client address in "
            "`METRICS_ALLOWED_IPS` (default loopback) or with `Authorization: Bearer <METRICS_TOKEN>`."
        ),
        auth=[],
        responses={
            (200, "text/plain"): OpenApiResponse(OpenApiTypes.STR, description="Metrics in Prometheus text format."),
            (403, "application/json"): OpenApiResponse(ErrorBody, description="PERMISSION_DENIED"),
        },
    )
    def get(self, request: Request) -> HttpResponse:
        if not metrics_access_allowed(request):
            return error_json_response(403, "PERMISSION_DENIED", "Metrics are not available to this client.")
        encoder, content_type = choose_encoder(request.headers.get("Accept", ""))
        return HttpResponse(encoder(scrape_registry()), content_type=content_type)
