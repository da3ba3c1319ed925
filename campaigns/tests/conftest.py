"""Fixtures of the purchase tests that campaign tests share."""

from purchases.tests.conftest import created_payload  # noqa: F401 - a fixture
