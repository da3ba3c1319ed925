"""Configuration: the settings named in the contract, with their defaults."""

from __future__ import annotations

import secrets
from datetime import timedelta
from decimal import Decimal

from django.conf import settings


def test_business_defaults():
    assert settings.PLATFORM_CURRENCY == "EUR"
    assert isinstance(settings.MAX_CASHBACK_PERCENT, Decimal)
    assert str(settings.MAX_CASHBACK_PERCENT) == "20.00"
    assert isinstance(settings.MIN_PAYOUT_AMOUNT, Decimal)
    assert str(settings.MIN_PAYOUT_AMOUNT) == "10.00"
    assert settings.FRAUD_VELOCITY_LIMIT == "10/h"
    assert isinstance(settings.FRAUD_REVIEW_AMOUNT, Decimal)
    assert str(settings.FRAUD_REVIEW_AMOUNT) == "1000.00"


def test_token_and_rate_limit_defaults():
    assert settings.ACCESS_TOKEN_MINUTES == 15
    assert settings.REFRESH_TOKEN_DAYS == 7
    assert settings.SIMPLE_JWT["ACCESS_TOKEN_LIFETIME"] == timedelta(minutes=15)
    assert settings.SIMPLE_JWT["REFRESH_TOKEN_LIFETIME"] == timedelta(days=7)
    assert settings.LOGIN_RATE_LIMIT == "10/m"
    assert settings.WEBHOOK_RATE_LIMIT == "1200/m"


def test_operational_defaults():
    assert settings.LOG_FORMAT == "text"
    assert settings.REDIS_URL == "" and "locmem" in settings.CACHES["default"]["BACKEND"]


def _settings_in_a_fresh_process(env: dict[str, str], expression: str) -> str:
    """Evaluate `expression` against clicknback.settings imported with `env` (the environment decides)."""
    import os
    import subprocess
    import sys

    keep = {key: value for key, value in os.environ.items() if key in {"PATH", "HOME", "DATABASE_URL"}}
    code = f"import clicknback.settings as s; print({expression})"
    result = subprocess.run(
        [sys.executable, "-c", code],
        env={**keep, **env},
        capture_output=True,
        text=True,
        check=True,
        cwd=settings.BASE_DIR,
    )
    return result.stdout.strip()


def test_secret_key_and_allowed_hosts_come_from_the_environment():
    key = secrets.token_urlsafe(50)
    expression = "s.SECRET_KEY, s.SIMPLE_JWT['SIGNING_KEY'], s.ALLOWED_HOSTS"
    assert _settings_in_a_fresh_process({"SECRET_KEY": key, "ALLOWED_HOSTS": "api.example.com"}, expression) == (
        f"{key} {key} ['api.example.com']"
    )
    # Unset: the public development key, which `check --deploy` reports (security.W009), and local hosts.
    assert _settings_in_a_fresh_process({}, "s.SECRET_KEY.startswith('django-insecure-'), s.ALLOWED_HOSTS") == (
        "True ['localhost', '127.0.0.1', '[::1]', 'testserver']"
    )


def test_environment_variables_override_the_defaults_and_https_only_follows_debug():
    expression = (
        "s.PLATFORM_CURRENCY, s.MIN_PAYOUT_AMOUNT, s.MAX_CASHBACK_PERCENT, s.ACCESS_TOKEN_MINUTES, "
        "s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS > 0, s.SESSION_COOKIE_SECURE"
    )
    env = {"PLATFORM_CURRENCY": "GBP", "MIN_PAYOUT_AMOUNT": "5.00", "MAX_CASHBACK_PERCENT": "30.00"}
    assert _settings_in_a_fresh_process({**env, "ACCESS_TOKEN_MINUTES": "5"}, expression) == (
        "GBP 5.00 30.00 5 True True True"
    )
    assert _settings_in_a_fresh_process({"HTTPS_ONLY": "false"}, "s.DEBUG, s.SECURE_SSL_REDIRECT") == "False False"
    assert _settings_in_a_fresh_process({"DEBUG": "true"}, "s.SECURE_SSL_REDIRECT") == "False"
