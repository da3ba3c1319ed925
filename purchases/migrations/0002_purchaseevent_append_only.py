from django.db import migrations

from clicknback.append_only import AppendOnly


class Migration(migrations.Migration):
    dependencies = [("purchases", "0001_initial")]

    operations = [AppendOnly("PurchaseEvent")]
