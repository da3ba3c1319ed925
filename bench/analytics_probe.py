"""Analytics endpoints and the dashboard, p99 against `GET /wallet` p99 in the same run, in one
process (Django's test client), on rollup tables the size of the bench's million-purchase set.

    DATABASE_URL=... DEBUG=false HTTPS_ONLY=false SECRET_KEY=... USER_READ_RATE_LIMIT= \\
    USER_WRITE_RATE_LIMIT= PROBE_FRESH=1 python bench/analytics_probe.py

`PROBE_FRESH=1` migrates an empty database and fills it (synthetic rollups: 365 days x 8 slices,
365 days x 200 merchants, ~1M active user-days, 100k users and wallets); without it the data of a
previous run is reused, or a copy of the bench's generated set (`bench_big_pristine`, rollups
rebuilt): then the wallet read is the shortest non-empty ledger's and an administrator is added.
`make bench` measures the same through the server (its analytics section). Figures:
docs/performance.md.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clicknback.settings")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import django

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402

from accounts.models import User  # noqa: E402
from clicknback.testing import bearer_client  # noqa: E402

RUNS = int(os.environ.get("PROBE_N", "200"))
USERS_AND_WALLETS = """
INSERT INTO accounts_user (id, password, is_superuser, email, is_active, is_staff, created_at)
SELECT gen_random_uuid(), '!', false, 'u' || g || '@bench.example', true, false, now() - (g % 365) * interval '1 day'
FROM generate_series(1, 100000) g;
INSERT INTO wallets_wallet (id, user_id, pending, available, paid, entry_count, created_at, updated_at)
SELECT gen_random_uuid(), id, 10.00, 5.00, 1.00, 0, now(), now() FROM accounts_user;
"""
DAYS = """
INSERT INTO analytics_dailyfigures (day, slice, purchases, amount, cashback_booked, cashback_confirmed,
    cashback_reversed, payouts_requested, payouts_requested_amount, points_earned, points_redeemed, users_new)
SELECT current_date - d, s, 340, 34000.00, 1700.00, 1600.00, 30.00, 10, 500.00, 34000, 2000, 34
FROM generate_series(0, 364) d, generate_series(0, 7) s;
INSERT INTO analytics_activeuserday (day, user_id)
SELECT DISTINCT current_date - (random() * 364)::int, u.id FROM accounts_user u, generate_series(1, 10) g;
"""
MERCHANT_DAYS = """
INSERT INTO analytics_merchantdailyfigures (day, merchant_id, purchases, amount, cashback_booked,
    cashback_confirmed, cashback_reversed)
SELECT current_date - d, m.id, 14, 1400.00 + d, 70.00, 65.00, 1.00
FROM generate_series(0, 364) d, merchants_merchant m
"""


def fill() -> None:
    from accounts.tests.factories import AdminFactory, UserFactory
    from merchants.tests.factories import MerchantFactory
    from wallets.tests.helpers import fund_wallet

    call_command("migrate", verbosity=0)
    for _ in range(200):
        MerchantFactory()
    with connection.cursor() as cursor:
        cursor.execute(USERS_AND_WALLETS)
        cursor.execute(DAYS)
        cursor.execute(MERCHANT_DAYS)
        cursor.execute("VACUUM ANALYZE")
    fund_wallet(UserFactory(email="probe@bench.example"), Decimal("50.00"))
    AdminFactory(email="admin@bench.example")


def timed(client: Client, path: str, params: dict | None = None) -> tuple[float, float]:
    """(p99, median) in ms of `RUNS` GETs, after 10 unmeasured ones."""
    for _ in range(10):
        assert client.get(path, params or {}).status_code == 200, path
    times = []
    for _ in range(RUNS):
        started = time.perf_counter()
        client.get(path, params or {})
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    return times[int(len(times) * 0.99) - 1], statistics.median(times)


def main() -> None:
    if os.environ.get("PROBE_FRESH") == "1":
        fill()
    from wallets.models import Wallet

    probe = User.objects.filter(email="probe@bench.example").first()
    if probe is None:  # a bench data set: the shortest ledger, as the bench's short history
        probe = Wallet.objects.filter(entry_count__gt=0).order_by("entry_count").first().user
    user_client = bearer_client(probe)
    admin = User.objects.filter(email="admin@bench.example").first()
    admin = admin or User.objects.create_superuser(email="admin@bench.example")
    admin_client = bearer_client(admin)
    web = Client()
    web.force_login(admin)
    today = timezone.now().date()
    ranges = {
        f"{days} days": {"from": (today - timedelta(days=days - 1)).isoformat(), "to": today.isoformat()}
        for days in (30, 365)
    }
    rows = [("GET /wallet", timed(user_client, "/api/v1/wallet"))]
    for name, params in ranges.items():
        for path in ("summary", "daily", "merchants", "campaigns"):
            rows.append((f"GET /analytics/{path} ({name})", timed(admin_client, f"/api/v1/analytics/{path}", params)))
    rows.append(("GET /analytics/tiers", timed(admin_client, "/api/v1/analytics/tiers")))
    for name, params in ranges.items():
        rows.append((f"admin dashboard ({name})", timed(web, "/admin/", params)))
    reference = rows[0][1][0]
    for name, (p99, median) in rows:
        sys.stdout.write(f"| {name} | {p99:.1f} | {median:.1f} | {p99 / reference:.1f}x |\n")


if __name__ == "__main__":
    main()
