"""How a request proves who sent it: a bearer JWT (users, admins) or an HMAC signature (partners)."""

from __future__ import annotations

import hashlib
import hmac
import re
import time

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework.authentication import BaseAuthentication
from rest_framework.request import Request
from rest_framework_simplejwt.authentication import JWTAuthentication

from accounts.models import Partner
from clicknback import rawsql
from clicknback.errors import InvalidSignature

PARTNER_KEY_HEADER = "X-Partner-Key"
SIGNATURE_HEADER = "X-Signature"

# Strict shapes, checked before anything else: an over-long or non-ASCII value must be a 401,
# never a 500 from int() or hmac.compare_digest, and never reach the database.
_TIMESTAMP = re.compile(r"[0-9]{1,12}", re.ASCII)
_HEX_SHA256 = re.compile(r"[0-9a-fA-F]{64}", re.ASCII)
_PARTNER_KEY = re.compile(r"[A-Za-z0-9_-]{1,64}", re.ASCII)


class BearerTokenAuthentication(JWTAuthentication):
    """simplejwt's access-token check; every failure it raises is answered `401 TOKEN_INVALID`.

    Tokens issued before the account's last password change are refused (`CHECK_REVOKE_TOKEN`).
    """

    def get_raw_token(self, header: bytes) -> bytes | None:
        """simplejwt's, with the scheme matched case-insensitively (RFC 9110: `bearer` is `Bearer`)."""
        parts = header.split()
        if parts and parts[0].lower() == b"bearer":
            parts[0] = b"Bearer"
        return super().get_raw_token(b" ".join(parts))


def sign_payload(secret: str, timestamp: int, body: bytes) -> str:
    """The hex HMAC-SHA256 of `"<timestamp>." + body` that a partner puts in `v1=`."""
    message = str(timestamp).encode() + b"." + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def signature_header(secret: str, body: bytes, timestamp: int | None = None) -> str:
    timestamp = int(time.time()) if timestamp is None else timestamp
    return f"t={timestamp},v1={sign_payload(secret, timestamp, body)}"


class _Refused(Exception):
    """A signature check failed: `reason` is what partner health counts, `message` what the partner reads."""

    def __init__(self, reason: str, message: str | None = None) -> None:
        super().__init__(reason)
        self.reason, self.message = reason, message


def _parse_signature(header: str) -> tuple[int, list[str]]:
    timestamp: int | None = None
    signatures: list[str] = []
    for part in header.split(","):
        name, _, value = part.strip().partition("=")
        if name == "t" and _TIMESTAMP.fullmatch(value):
            timestamp = int(value)
        elif name == "v1" and _HEX_SHA256.fullmatch(value):
            signatures.append(value.lower())
    if timestamp is None or not signatures:
        raise _Refused("malformed_signature", "The X-Signature header is malformed.")
    return timestamp, signatures


def _active_partner(key: str) -> Partner | None:
    """The active partner with this (unique) key, by hand-written SQL (`clicknback.rawsql`): it runs
    on every webhook (docs/performance.md)."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {rawsql.columns(Partner)} FROM {rawsql.table(Partner)} "  # noqa: S608
            f"WHERE {rawsql.col(Partner, 'key')} = %(key)s AND {rawsql.col(Partner, 'active')}",
            {"key": key},
        )
        row = cursor.fetchone()
    return None if row is None else rawsql.from_row(Partner, row)


class PartnerSignatureAuthentication(BaseAuthentication):
    """`X-Partner-Key` names an active partner; `X-Signature: t=..,v1=..` proves it holds the secret.

    The timestamp must be within the tolerance of now (replays of old deliveries are refused); the
    comparison is constant-time. On success `request.auth` is the `Partner`. Every refusal is counted
    in partner health, by reason, on the partner whose key was presented (the success path costs nothing).
    """

    def authenticate(self, request: Request) -> tuple[AnonymousUser, Partner]:
        key = request.headers.get(PARTNER_KEY_HEADER, "")
        try:
            return AnonymousUser(), self._verified_partner(request, key)
        except _Refused as refused:
            # Imported here: the services import the audit trail, which DRF's settings import from here.
            from accounts.services import webhook_count_signature_failure

            # A key of the wrong shape names no partner: counted with the unknown keys, never looked up.
            webhook_count_signature_failure(key=key if _PARTNER_KEY.fullmatch(key) else "", reason=refused.reason)
            raise InvalidSignature(refused.message) from None

    def _verified_partner(self, request: Request, key: str) -> Partner:
        header = request.headers.get(SIGNATURE_HEADER, "")
        if not key or not header:
            raise _Refused("missing_headers", "X-Partner-Key and X-Signature headers are required.")
        if not _PARTNER_KEY.fullmatch(key):
            raise _Refused("malformed_key")
        timestamp, signatures = _parse_signature(header)
        if abs(time.time() - timestamp) > settings.WEBHOOK_SIGNATURE_TOLERANCE_SECONDS:
            raise _Refused("stale_timestamp", "The signature timestamp is outside the allowed window.")
        partner = _active_partner(key)
        if partner is None:
            raise _Refused("no_active_partner")
        expected = sign_payload(partner.secret, timestamp, request.body)
        if not any(hmac.compare_digest(expected, candidate) for candidate in signatures):
            raise _Refused("wrong_signature")
        return partner

    def authenticate_header(self, request: Request) -> str:
        return 'Signature realm="webhooks"'


class PartnerSignatureScheme(OpenApiAuthenticationExtension):
    """Two header schemes required together: the key names the partner, the signature proves it."""

    target_class = "accounts.authentication.PartnerSignatureAuthentication"
    name = ["partnerKey", "partnerSignature"]

    # A worked example for the documentation; the schema test recomputes its signature.
    EXAMPLE_SECRET = "example-secret"
    EXAMPLE_TIMESTAMP = 1700000000
    EXAMPLE_BODY = '{"event":"purchase.confirmed","external_id":"order-1001"}'

    def get_security_definition(self, auto_schema):
        example = signature_header(self.EXAMPLE_SECRET, self.EXAMPLE_BODY.encode(), self.EXAMPLE_TIMESTAMP)
        key = {
            "type": "apiKey",
            "in": "header",
            "name": PARTNER_KEY_HEADER,
            "description": f"`{PARTNER_KEY_HEADER}: <key>`: the partner's key, sent with `{SIGNATURE_HEADER}`.",
        }
        signature = {
            "type": "apiKey",
            "in": "header",
            "name": SIGNATURE_HEADER,
            "description": (
                f'`{SIGNATURE_HEADER}: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>." + raw body)>`, '
                f"with `t` within {settings.WEBHOOK_SIGNATURE_TOLERANCE_SECONDS} seconds of now, sent with "
                f"`{PARTNER_KEY_HEADER}`.\n\n"
                f"Example: with secret `{self.EXAMPLE_SECRET}`, t = {self.EXAMPLE_TIMESTAMP} and the raw body "
                f"`{self.EXAMPLE_BODY}`, the HMAC-SHA256 is computed over "
                f"`{self.EXAMPLE_TIMESTAMP}.{self.EXAMPLE_BODY}` and the header is "
                f"`{SIGNATURE_HEADER}: {example}`."
            ),
        }
        return [key, signature]


class BearerTokenScheme(OpenApiAuthenticationExtension):
    target_class = "accounts.authentication.BearerTokenAuthentication"
    name = "bearerAuth"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
