"""The payout Idempotency-Keys move to the shared table, with their fingerprints recomputed in the
one recipe of `clicknback.idempotency` (route and validated request), so a retry that spans the
deploy still replays instead of being refused. The recipe is frozen here, as migrations must be:
the validated request of `POST /payouts` is exactly what its payout row stores."""

import hashlib
import json

from django.db import migrations

PAYOUTS_ROUTE = {"method": "POST", "route": "api/v1/payouts", "args": {}}


def fingerprint(payout):
    data = {"amount": f"{payout.amount:.2f}", "method": payout.method, "destination": payout.destination}
    canonical = json.dumps({"route": PAYOUTS_ROUTE, "data": data}, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def copy_keys(apps, schema_editor):
    old = apps.get_model("payouts", "IdempotencyKey")
    new = apps.get_model("clicknback", "IdempotencyKey")
    stored = old.objects.filter(response_status__isnull=False, payout__isnull=False).select_related("payout")
    new.objects.bulk_create(
        new(
            user_id=row.user_id,
            key=row.key,
            fingerprint=fingerprint(row.payout),
            response_status=row.response_status,
            response_body=row.response_body,
            created_at=row.created_at,
        )
        for row in stored.iterator()
    )


class Migration(migrations.Migration):
    dependencies = [
        ("clicknback", "0002_idempotency_key"),
        ("payouts", "0003_payout_event"),
    ]

    operations = [migrations.RunPython(copy_keys, migrations.RunPython.noop)]
