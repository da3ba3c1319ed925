"""The purchase and payout fixtures, shared with the apps that cause the events."""

from payouts.tests.conftest import make_payout  # noqa: F401
from purchases.tests.conftest import ingest, merchant, offer  # noqa: F401
