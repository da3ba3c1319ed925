from django.db import migrations

from clicknback.append_only import AppendOnly


class Migration(migrations.Migration):
    dependencies = [("payouts", "0004_idempotency_key_moved_to_clicknback")]

    operations = [AppendOnly("PayoutEvent")]
