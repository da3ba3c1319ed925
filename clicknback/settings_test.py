"""Test settings: the production settings, with plain HTTP and a fast password hasher."""

import tempfile
from pathlib import Path

from clicknback.settings import *  # noqa: F403

HTTPS_ONLY = False
SECURE_SSL_REDIRECT = False
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
SECURE_HSTS_SECONDS = 0
# Argon2 is deliberately slow; tests that check hashing set it back themselves.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher", *PASSWORD_HASHERS]  # noqa: F405
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}  # noqa: F405
# The API speaks JSON only: DRF's test clients send JSON unless a test asks for another format.
REST_FRAMEWORK = {**REST_FRAMEWORK, "TEST_REQUEST_DEFAULT_FORMAT": "json"}  # noqa: F405
# The development chain a test starts (seed_demo's mint) keeps its state in a folder of this run's own.
CHAIN_DATA_DIR = Path(tempfile.mkdtemp(prefix="clicknback-test-chain-"))
# The per-user API limits are off in tests (a counted hit is one more statement on every user
# request, which the query-count tests would all see); clicknback/tests/test_user_rate_limits.py
# turns them on to test them.
USER_READ_RATE_LIMIT = ""
USER_WRITE_RATE_LIMIT = ""
