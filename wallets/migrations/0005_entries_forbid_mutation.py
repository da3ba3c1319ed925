from importlib import import_module

from django.db import migrations

from clicknback.append_only import AppendOnly

# 0002 made the entries append-only with a trigger of their own; the shared `forbid_mutation()`
# (clicknback.append_only) takes over, so every append-only table refuses writes the same way.
first_trigger = import_module("wallets.migrations.0002_append_only_entries")


class Migration(migrations.Migration):
    dependencies = [("wallets", "0004_entry_type_matches_document")]

    operations = [
        migrations.RunSQL(first_trigger.ALLOW, first_trigger.FORBID),
        AppendOnly("WalletEntry"),
    ]
