from django.apps import AppConfig
from django.db.models.signals import post_migrate


class BackofficeConfig(AppConfig):
    name = "backoffice"
    verbose_name = "Back-office queues"

    def ready(self) -> None:
        from backoffice.groups import staff_groups_sync

        # After every app's permissions exist (auth creates them on post_migrate, connected earlier).
        post_migrate.connect(staff_groups_sync, sender=self, dispatch_uid="backoffice.staff_groups_sync")
