"""The review and process permissions move from the queue proxies to the models they act on
(`purchases.review_purchase`, `payouts.process_payout`): grants held by groups or users follow,
the old permissions are deleted. The groups' permissions are re-synced after migrate."""

from django.conf import settings
from django.db import migrations

# (old content type, new content type, codename, name)
MOVES = [
    (("backoffice", "flaggedpurchase"), ("purchases", "purchase"), "review_purchase", "Can clear, confirm or reverse purchases"),
    (("backoffice", "requestedpayout"), ("payouts", "payout"), "process_payout", "Can complete or fail payouts"),
]


def move_grants(apps, schema_editor):
    db = schema_editor.connection.alias
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    Group = apps.get_model("auth", "Group")
    User = apps.get_model(settings.AUTH_USER_MODEL)
    for (old_app, old_model), (new_app, new_model), codename, name in MOVES:
        old = Permission.objects.using(db).filter(
            content_type__app_label=old_app, content_type__model=old_model, codename=codename
        ).first()
        if old is None:  # a new database: post_migrate creates the new permission
            continue
        content_type, _ = ContentType.objects.using(db).get_or_create(app_label=new_app, model=new_model)
        new, _ = Permission.objects.using(db).get_or_create(
            content_type=content_type, codename=codename, defaults={"name": name}
        )
        for group in Group.objects.using(db).filter(permissions=old):
            group.permissions.add(new)
        for user in User.objects.using(db).filter(user_permissions=old):
            user.user_permissions.add(new)
        old.delete()


class Migration(migrations.Migration):

    dependencies = [
        ('backoffice', '0001_initial'),
        ('purchases', '0003_review_purchase_permission'),
        ('payouts', '0006_process_payout_permission'),
        ('auth', '0012_alter_user_first_name_max_length'),
        ('contenttypes', '0002_remove_content_type_name'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterModelOptions(
            name='flaggedpurchase',
            options={'verbose_name': 'flagged purchase', 'verbose_name_plural': 'fraud review queue'},
        ),
        migrations.AlterModelOptions(
            name='requestedpayout',
            options={'verbose_name': 'requested payout', 'verbose_name_plural': 'payout queue'},
        ),
        migrations.RunPython(move_grants, migrations.RunPython.noop),
    ]
