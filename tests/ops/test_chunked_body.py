"""A real gunicorn hands a `Transfer-Encoding: chunked` body over in full: the API reads all of it
(issue 12, finding 10), never an empty body, and still refuses one over the size limit."""

from __future__ import annotations

import http.client
import json
import socket
from contextlib import suppress
from urllib.parse import urlsplit

import pytest
from django.conf import settings

from accounts.models import User
from clicknback.testing_server import running_server

pytestmark = pytest.mark.django_db(transaction=True)  # the server only sees committed rows


def chunked(body: bytes, size: int = 4096) -> bytes:
    pieces = [body[start : start + size] for start in range(0, len(body), size)]
    return b"".join(b"%x\r\n%s\r\n" % (len(piece), piece) for piece in pieces) + b"0\r\n\r\n"


def post_chunked(url: str, path: str, body: bytes) -> tuple[int, dict]:
    """POST `body` with `Transfer-Encoding: chunked` and no Content-Length, written in one go: the
    server may answer (413) before it read everything, so a refused send still gets its answer."""
    address = urlsplit(url)
    head = (
        f"POST {path} HTTP/1.1\r\nHost: {address.netloc}\r\nContent-Type: application/json\r\n"
        "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
    ).encode()
    with socket.create_connection((address.hostname, address.port), timeout=30) as sock:
        with suppress(BrokenPipeError, ConnectionResetError):
            sock.sendall(head + chunked(body))
        response = http.client.HTTPResponse(sock)
        response.begin()
        return response.status, json.loads(response.read())


def test_gunicorn_delivers_a_chunked_body_in_full_and_the_limit_still_holds():
    registration = json.dumps({"email": "chunked@example.com", "password": "a-long-enough-password-1"}).encode()
    oversized = b'{"email": "' + b"x" * settings.DATA_UPLOAD_MAX_MEMORY_SIZE + b'"}'

    with running_server() as server:
        created = post_chunked(server.url, "/api/v1/auth/register", registration)
        too_large = post_chunked(server.url, "/api/v1/auth/register", oversized)

    assert created[0] == 201, created
    assert User.objects.filter(email="chunked@example.com").exists()
    assert too_large[0] == 413 and too_large[1]["error"]["code"] == "PAYLOAD_TOO_LARGE"
