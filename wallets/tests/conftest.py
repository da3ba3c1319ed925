# The purchase fixtures (`ingest`, `offer`, `merchant`) drive the wallet through real purchases.
from purchases.tests.conftest import ingest, merchant, offer  # noqa: F401
