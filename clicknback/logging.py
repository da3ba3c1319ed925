"""Log lines an on-call engineer can search: one per request, one per financial fact.

Structured data travels in `extra={"ctx": {...}}`. `LOG_FORMAT=json` renders each record as one
JSON object (time, level, logger, message, request_id, pid, and the ctx fields); the default text
format appends the ctx fields as `key=value`. `RedactionFilter` runs on the handler, so whatever a
caller passes, a password, token, secret, signature, Authorization header or full IBAN never
reaches the output.
"""

from __future__ import annotations

import json
import logging
import os
import re
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from django.http import HttpRequest, HttpResponse

from clicknback.request_context import current_request_id

request_logger = logging.getLogger("clicknback.request")

REDACTED = "[REDACTED]"
# Field names whose values are never logged, whatever they hold.
SENSITIVE_KEY = re.compile(
    r"pass(word|wd)?|secret|token|authori[sz]ation|signature|cookie|session|csrf|api[_-]?key|^access$|^refresh$|iban",
    re.IGNORECASE,
)


def _mask_iban(iban: str) -> str:
    compact = iban.replace(" ", "")
    return f"{compact[:2]}** **** {compact[-4:]}"


_SENSITIVE_VALUES: list[tuple[re.Pattern[str], Callable[[re.Match[str]], str]]] = [
    # "Bearer <anything>" in a header echoed into a message.
    (re.compile(r"(?i)\b(bearer)\s+[^\s,;\"']+"), lambda m: f"{m.group(1)} {REDACTED}"),
    # A JWT anywhere.
    (re.compile(r"\beyJ[\w-]+\.[\w-]+\.[\w-]*"), lambda m: REDACTED),
    # key=value / "key": "value" pairs with a sensitive key inside a free-text message.
    (
        re.compile(
            r"(?i)([\"']?\b(?:password|secret|token|signature|authorization)[\"']?\s*[:=]\s*)([\"']?)[^\s,;\"'}]+"
        ),
        lambda m: f"{m.group(1)}{m.group(2)}{REDACTED}",
    ),
    # An IBAN (2 letters, 2 check digits, 11-30 alphanumerics, maybe grouped by spaces): keep the
    # country and the last four characters, like the API's masked destination.
    (re.compile(r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]){11,30}\b"), lambda m: _mask_iban(m.group(0))),
]


def redact_text(text: str) -> str:
    for pattern, replacement in _SENSITIVE_VALUES:
        text = pattern.sub(replacement, text)
    return text


def redact_value(key: str, value: Any) -> Any:
    if value is None:
        return None
    if SENSITIVE_KEY.search(key):
        return REDACTED
    if isinstance(value, dict):
        return {k: redact_value(str(k), v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [redact_value(key, v) for v in value]
    if isinstance(value, (bool, int, float)):
        return value
    return redact_text(str(value))


class RedactionFilter(logging.Filter):
    """Defence in depth: scrub the message and the structured fields of every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = redact_text(message)
        if redacted != message:
            record.msg, record.args = redacted, None
        ctx = getattr(record, "ctx", None)
        if isinstance(ctx, dict):
            record.ctx = {str(key): redact_value(str(key), value) for key, value in ctx.items()}
        return True


def _timestamp(record: logging.LogRecord) -> str:
    return datetime.fromtimestamp(record.created, tz=UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class JsonFormatter(logging.Formatter):
    """One JSON object per line; ctx fields sit at the top level beside the standard ones."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": _timestamp(record),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None) or current_request_id(),
            "pid": record.process or os.getpid(),
        }
        for key, value in (getattr(record, "ctx", None) or {}).items():
            line.setdefault(key, value)
        if record.exc_info:
            line["exception"] = redact_text(self.formatException(record.exc_info))
        return json.dumps(line, default=str, ensure_ascii=False)


class TextFormatter(logging.Formatter):
    """The human-readable default; structured fields follow the message as `key=value`."""

    default_format = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"

    def __init__(self, fmt: str | None = None, *args: Any, **kwargs: Any) -> None:
        super().__init__(fmt or self.default_format, *args, **kwargs)

    def format(self, record: logging.LogRecord) -> str:
        if not hasattr(record, "request_id"):
            record.request_id = current_request_id()
        text = super().format(record)
        ctx = getattr(record, "ctx", None)
        if ctx:
            pairs = " ".join(f"{key}={value}" for key, value in ctx.items() if value is not None)
            first, newline, rest = text.partition("\n")
            text = f"{first} {pairs}{newline}{rest}"
        return text


# The name of the catch-all route answering 404 for unknown /api/ paths: they are unmatched too.
API_NOT_FOUND = "api-not-found"


def request_route(request: HttpRequest) -> str:
    """The URL pattern that served the request (bounded cardinality), never the raw path."""
    match = getattr(request, "resolver_match", None)
    if match is None or match.route is None or match.url_name == API_NOT_FOUND:
        return "<unmatched>"
    return "/" + match.route.lstrip("^").rstrip("$").replace("\\Z", "")


def request_caller(request: HttpRequest) -> dict[str, str]:
    """Who made the request, as far as authentication got: a user id or a partner key."""
    from accounts.models import Partner  # Models are not importable when logging is configured.

    auth = getattr(request, "auth", None)
    if isinstance(auth, Partner):
        return {"partner_key": auth.key}
    user = getattr(request, "user", None)
    if user is not None and getattr(user, "is_authenticated", False):
        return {"user_id": str(user.pk)}
    return {}


class RequestLogMiddleware:
    """One log line and one metrics observation per request. Sits right after RequestIdMiddleware."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        from clicknback.metrics import observe_request

        started = time.perf_counter()
        status = 500
        try:
            response = self.get_response(request)
            status = response.status_code
            return response
        finally:
            duration = time.perf_counter() - started
            route = request_route(request)
            observe_request(method=request.method or "", route=route, status=status, seconds=duration)
            ctx = {
                "method": request.method,
                "route": route,
                "status": status,
                "duration_ms": round(duration * 1000, 2),
                **request_caller(request),
                "client_ip": request.META.get("REMOTE_ADDR", ""),
            }
            level = logging.ERROR if status >= 500 else logging.INFO
            request_logger.log(level, "request", extra={"ctx": ctx})
