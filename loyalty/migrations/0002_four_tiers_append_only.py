from django.db import migrations

from clicknback.append_only import AppendOnly
from loyalty.defaults import default_tiers_ensure


def create_tiers(apps, schema_editor):
    default_tiers_ensure(apps=apps, using=schema_editor.connection.alias)


class Migration(migrations.Migration):
    dependencies = [("loyalty", "0001_initial")]

    operations = [
        migrations.RunPython(create_tiers, migrations.RunPython.noop),
        AppendOnly("PointsEntry"),
        AppendOnly("TierChange"),
        AppendOnly("RedemptionAllocation"),
    ]
