"""JSON parsing that keeps money exact and refuses what JSON does not allow."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from django.conf import settings
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

from clicknback.errors import PayloadTooLarge


def body_limit(path: str) -> int | None:
    """The largest body `path` accepts: DATA_UPLOAD_MAX_MEMORY_SIZE, unless LARGE_BODY_PATHS says more."""
    return settings.LARGE_BODY_PATHS.get(path.rstrip("/"), settings.DATA_UPLOAD_MAX_MEMORY_SIZE)


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


class StrictJSONParser(JSONParser):
    """Numbers with a fraction become `Decimal` (never float); NaN and Infinity are refused."""

    def parse(self, stream, media_type=None, parser_context=None):
        parser_context = parser_context or {}
        encoding = parser_context.get("encoding", "utf-8")
        try:
            request = parser_context.get("request")
            limit = body_limit(request.path) if request is not None else settings.DATA_UPLOAD_MAX_MEMORY_SIZE
            raw = stream.read(limit + 1) if stream is not None else b""
            if len(raw) > limit:  # defence in depth: the middleware checks the length before the view
                raise PayloadTooLarge()
            if not raw:
                return {}
            return json.loads(raw.decode(encoding), parse_float=Decimal, parse_constant=_reject_constant)
        except (ValueError, UnicodeDecodeError, RecursionError) as exc:  # RecursionError: absurd nesting
            raise ParseError("The request body is not valid JSON.") from exc
