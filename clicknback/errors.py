"""Domain errors and the one place that turns any error into the contract's envelope.

    {"error": {"code": "SEMANTIC_CODE", "message": "Human readable.", "details": {}}}

Services raise `DomainError` subclasses; DRF, Django and the database raise their own. Everything
ends up in `error_response`, so the shape can never drift between layers.
"""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.db import InterfaceError, OperationalError
from django.http import Http404, JsonResponse
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from rest_framework import exceptions as drf
from rest_framework.response import Response
from rest_framework_simplejwt.exceptions import InvalidToken, TokenError

from clicknback.request_context import current_request_id

logger = logging.getLogger("clicknback.errors")


class DomainError(drf.APIException):
    """An expected refusal with a contract code. `details` go to the client as they are."""

    status_code = 400
    code = "VALIDATION_ERROR"
    default_detail = "The request was refused."

    def __init__(self, message: str | None = None, **details: Any) -> None:
        super().__init__(message or self.default_detail)
        self.message = str(message or self.default_detail)
        self.details = details


def _error(name: str, status: int, code: str, message: str) -> type[DomainError]:
    return type(name, (DomainError,), {"status_code": status, "code": code, "default_detail": message})


# 401
InvalidCredentials = _error("InvalidCredentials", 401, "INVALID_CREDENTIALS", "Invalid email or password.")
TokenInvalid = _error("TokenInvalid", 401, "TOKEN_INVALID", "The token is invalid, expired or revoked.")
# 404
NotFound = _error("NotFound", 404, "NOT_FOUND", "Not found.")
# 409
EmailAlreadyRegistered = _error(
    "EmailAlreadyRegistered", 409, "EMAIL_ALREADY_REGISTERED", "This email is already registered."
)
MerchantNameTaken = _error("MerchantNameTaken", 409, "MERCHANT_NAME_TAKEN", "A merchant with this name exists.")
OfferOverlap = _error(
    "OfferOverlap", 409, "OFFER_OVERLAP", "Another active offer of this merchant overlaps these dates."
)
DuplicatePurchase = _error(
    "DuplicatePurchase", 409, "DUPLICATE_PURCHASE", "A purchase with this external_id already exists."
)
InvalidStateTransition = _error(
    "InvalidStateTransition", 409, "INVALID_STATE_TRANSITION", "This transition is not allowed from the current state."
)
InsufficientBalance = _error(
    "InsufficientBalance", 409, "INSUFFICIENT_BALANCE", "The available balance does not cover this amount."
)
InsufficientPoints = _error(
    "InsufficientPoints", 409, "INSUFFICIENT_POINTS", "The points balance does not cover this redemption."
)
ClaimDuplicate = _error(
    "ClaimDuplicate", 409, "CLAIM_DUPLICATE", "This order already has a purchase or an open or approved claim."
)
IdempotencyKeyReused = _error(
    "IdempotencyKeyReused", 409, "IDEMPOTENCY_KEY_REUSED", "This Idempotency-Key was used with another request."
)
BudgetBelowSpent = _error(
    "BudgetBelowSpent", 409, "BUDGET_BELOW_SPENT", "The budget cannot be lower than what the campaign has spent."
)
AddressInUse = _error("AddressInUse", 409, "ADDRESS_IN_USE", "This address is linked to another account.")
SelfApproval = _error(
    "SelfApproval", 409, "SELF_APPROVAL", "An adjustment needs a second person: its proposer cannot approve it."
)
# 413
PayloadTooLarge = _error("PayloadTooLarge", 413, "PAYLOAD_TOO_LARGE", "The request body is too large.")
# 422
MerchantInactive = _error("MerchantInactive", 422, "MERCHANT_INACTIVE", "The merchant is inactive.")
MerchantNotEligible = _error(
    "MerchantNotEligible", 422, "MERCHANT_NOT_ELIGIBLE", "The merchant is unknown or inactive."
)
UserNotEligible = _error("UserNotEligible", 422, "USER_NOT_ELIGIBLE", "The user is unknown or inactive.")
OfferNotAvailable = _error(
    "OfferNotAvailable", 422, "OFFER_NOT_AVAILABLE", "No active offer of this merchant is valid on that date."
)
UnsupportedCurrency = _error("UnsupportedCurrency", 422, "UNSUPPORTED_CURRENCY", "This currency is not supported.")
BelowMinimumPayout = _error(
    "BelowMinimumPayout", 422, "BELOW_MINIMUM_PAYOUT", "The amount is below the minimum payout."
)
ClickNotFound = _error("ClickNotFound", 422, "CLICK_NOT_FOUND", "No such click.")
ClickExpired = _error("ClickExpired", 422, "CLICK_EXPIRED", "The purchase is outside the click's attribution window.")
ClickMerchantMismatch = _error(
    "ClickMerchantMismatch", 422, "CLICK_MERCHANT_MISMATCH", "The click was made at another merchant."
)
ClaimOutOfWindow = _error(
    "ClaimOutOfWindow", 422, "CLAIM_OUT_OF_WINDOW", "A claim is for a purchase made within the claim window."
)
CampaignNotAvailable = _error("CampaignNotAvailable", 422, "CAMPAIGN_NOT_AVAILABLE", "This campaign is not running.")
# A purchase above MAX_PURCHASE_AMOUNT, or any movement that would take a wallet out of its range.
AmountTooLarge = _error("AmountTooLarge", 422, "AMOUNT_TOO_LARGE", "The amount is too large.")
BelowMinimumRedemption = _error(
    "BelowMinimumRedemption", 422, "BELOW_MINIMUM_REDEMPTION", "The points are below the minimum redemption."
)
ChainAddressRequired = _error(
    "ChainAddressRequired", 422, "CHAIN_ADDRESS_REQUIRED", "Link a chain address before requesting tokens."
)
# 503: one endpoint's own dependency (the chain adapter) is down; the rest of the API still serves.
ServiceUnavailable = _error(
    "ServiceUnavailable", 503, "SERVICE_UNAVAILABLE", "A required service is unavailable. Retry later."
)


class InvalidSignature(drf.AuthenticationFailed):
    """Raised by the partner signature check. An AuthenticationFailed so DRF answers 401."""

    code = "INVALID_SIGNATURE"
    default_detail = "The request signature is missing or invalid."


class RateLimited(DomainError):
    status_code = 429
    code = "RATE_LIMITED"
    default_detail = "Too many requests. Retry later."

    def __init__(self, retry_after: int, message: str | None = None) -> None:
        super().__init__(message)
        self.retry_after = max(1, int(retry_after))


# DRF and Django exceptions that carry no contract code of their own.
_STATUS_CODES = {
    400: "VALIDATION_ERROR",
    401: "NOT_AUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    405: "METHOD_NOT_ALLOWED",
    406: "VALIDATION_ERROR",
    413: "PAYLOAD_TOO_LARGE",
    415: "VALIDATION_ERROR",
    429: "RATE_LIMITED",
}


def envelope(code: str, message: str, details: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "details": details or {}}}


def error_json_response(status: int, code: str, message: str, details: dict[str, Any] | None = None) -> JsonResponse:
    """The envelope for code outside DRF (middleware, Django's handlers)."""
    return JsonResponse(envelope(code, message, details), status=status)


def bad_request_json(message: str) -> JsonResponse:
    """`400 VALIDATION_ERROR` about the request as a whole, for code outside DRF."""
    return error_json_response(400, "VALIDATION_ERROR", message, {"fields": {"non_field_errors": [message]}})


def unexpected_error(exc: BaseException) -> tuple[int, dict[str, Any], dict[str, str]]:
    """Status, body and headers for an exception nobody expected: a lost database is 503, the rest 500."""
    if isinstance(exc, (OperationalError, InterfaceError)):
        from clicknback.metrics import count_db_connection_error

        count_db_connection_error()
        logger.warning("Database unavailable: %s", exc.__class__.__name__)
    elif isinstance(exc, (RedisConnectionError, RedisTimeoutError)):
        # The shared cache holds the rate limits: without it, refuse for now rather than fail open.
        logger.warning("Redis unavailable: %s", exc.__class__.__name__)
    else:
        logger.error("Unhandled exception", exc_info=exc)
        body = envelope("INTERNAL_ERROR", "An unexpected error occurred.", {"request_id": current_request_id()})
        return 500, body, {}
    body = envelope("SERVICE_UNAVAILABLE", "A required service is unavailable. Retry later.")
    return 503, body, {"Retry-After": "5"}


def unexpected_error_json(exc: BaseException) -> JsonResponse:
    """For exceptions raised outside DRF views (middleware, plain Django views)."""
    status, body, headers = unexpected_error(exc)
    return JsonResponse(body, status=status, headers=headers)


def _flatten_messages(detail: Any) -> list[str]:
    if isinstance(detail, dict):
        return [f"{key}: {message}" for key, value in detail.items() for message in _flatten_messages(value)]
    if isinstance(detail, (list, tuple)):
        return [message for item in detail for message in _flatten_messages(item)]
    return [str(detail)]


def validation_fields(detail: Any) -> dict[str, list[str]]:
    """DRF's nested ValidationError detail as `{field: [messages]}`."""
    if isinstance(detail, dict):
        return {str(field): _flatten_messages(value) for field, value in detail.items()}
    return {"non_field_errors": _flatten_messages(detail)}


def _validation_message(fields: dict[str, list[str]]) -> str:
    return "Invalid input: " + "; ".join(f"{name}: {msgs[0]}" for name, msgs in fields.items() if msgs)


def _with_auth_header(response: Response, exc: Exception) -> Response:
    """A 401 says how to authenticate (`WWW-Authenticate`), as DRF set it on the exception."""
    if getattr(exc, "auth_header", None):
        response["WWW-Authenticate"] = exc.auth_header
    return response


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response:
    """DRF's EXCEPTION_HANDLER: every exception raised in a view becomes the envelope."""
    if isinstance(exc, DomainError):
        response = Response(envelope(exc.code, exc.message, exc.details), status=exc.status_code)
        if isinstance(exc, RateLimited):
            response["Retry-After"] = str(exc.retry_after)
        return response
    if isinstance(exc, InvalidSignature):
        return _with_auth_header(Response(envelope(exc.code, str(exc.detail)), status=401), exc)
    if isinstance(exc, (InvalidToken, TokenError, drf.AuthenticationFailed)):
        # Login and signature failures have their own codes above; any other is a bad bearer token.
        body = envelope("TOKEN_INVALID", "The token is invalid, expired or revoked.")
        return _with_auth_header(Response(body, status=401), exc)
    if isinstance(exc, drf.ValidationError):
        fields = validation_fields(exc.detail)
        return Response(envelope("VALIDATION_ERROR", _validation_message(fields), {"fields": fields}), status=400)
    if isinstance(exc, drf.ParseError):
        fields = {"non_field_errors": [str(exc.detail)]}
        return Response(envelope("VALIDATION_ERROR", str(exc.detail), {"fields": fields}), status=400)
    if isinstance(exc, drf.UnsupportedMediaType):
        message = "The request body must be JSON (Content-Type: application/json)."
        return Response(envelope("VALIDATION_ERROR", message, {"fields": {"non_field_errors": [message]}}), 400)
    if isinstance(exc, (Http404, drf.NotFound)):
        return Response(envelope("NOT_FOUND", "Not found."), status=404)
    if isinstance(exc, DjangoPermissionDenied):
        exc = drf.PermissionDenied()
    if isinstance(exc, RequestDataTooBig):
        return Response(envelope("PAYLOAD_TOO_LARGE", "The request body is too large."), status=413)
    if isinstance(exc, SuspiciousOperation):
        message = "The request was refused as malformed or not allowed."
        return Response(envelope("VALIDATION_ERROR", message, {"fields": {"non_field_errors": [message]}}), 400)
    if isinstance(exc, drf.Throttled):
        response = Response(envelope("RATE_LIMITED", "Too many requests. Retry later."), status=429)
        response["Retry-After"] = str(int(exc.wait or 1))
        return response
    if isinstance(exc, drf.APIException):
        code = _STATUS_CODES.get(exc.status_code, "INTERNAL_ERROR" if exc.status_code >= 500 else "VALIDATION_ERROR")
        message = str(exc.detail)
        details = {"fields": {"non_field_errors": [message]}} if code == "VALIDATION_ERROR" else None
        return _with_auth_header(Response(envelope(code, message, details), status=exc.status_code), exc)
    status, body, headers = unexpected_error(exc)
    return Response(body, status=status, headers=headers)
