"""Driving a real multi-worker gunicorn deterministically from a test."""

from __future__ import annotations

import json
import socket
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlsplit


def request(url: str, *, method: str = "GET", body: Any = None, headers: dict[str, str] | None = None):
    """(status, headers, body bytes) — error statuses are answers, not exceptions."""
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(
        url, data=data, method=method, headers={"Content-Type": "application/json", **(headers or {})}
    )
    try:
        with urllib.request.urlopen(req, timeout=10) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


class HeldRequest:
    status: int | None = None
    body: bytes = b""


@contextmanager
def worker_held_busy(base_url: str, path: str, *, method: str = "GET", body: Any = None) -> Iterator[HeldRequest]:
    """Pin one sync worker on a half-sent request, so every other request goes to another worker.

    Inside the block the request's last bytes are not sent yet; on leaving it they are, and the
    pinned worker answers it (its status lands in the yielded object).
    """
    parts = urlsplit(base_url)
    payload = json.dumps(body).encode() if body is not None else b""
    head = (
        f"{method} {path} HTTP/1.1\r\nHost: {parts.netloc}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(payload)}\r\nConnection: close\r\n"
    ).encode()
    held = HeldRequest()
    with socket.create_connection((parts.hostname, parts.port), timeout=10) as sock:
        sock.sendall(head)
        time.sleep(0.3)  # a worker accepts it and blocks reading the rest
        yield held
        sock.sendall(b"\r\n" + payload)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    head_bytes, _, held.body = answer.partition(b"\r\n\r\n")
    held.status = int(head_bytes.split(b" ", 2)[1])


def json_lines(text: str) -> list[dict[str, Any]]:
    lines = []
    for line in text.splitlines():
        if line.startswith("{"):
            lines.append(json.loads(line))
    return lines
