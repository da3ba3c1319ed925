"""The id of the request being served, available to logs and error bodies without passing it around."""

from __future__ import annotations

import logging
import re
import uuid
from contextvars import ContextVar

_request_id: ContextVar[str] = ContextVar("request_id", default="-")

# Only a short, plain token is echoed back; anything else (newlines, markup, huge values) is replaced.
SAFE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")


def current_request_id() -> str:
    return _request_id.get()


def bind_request_id(incoming: str | None) -> str:
    request_id = incoming if incoming and SAFE_REQUEST_ID.fullmatch(incoming) else uuid.uuid4().hex
    _request_id.set(request_id)
    return request_id


class RequestIdLogFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = current_request_id()
        return True
