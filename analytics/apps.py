from django.apps import AppConfig


class AnalyticsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "analytics"

    def ready(self) -> None:
        from analytics.rebuild import rollup_discrepancy_lines
        from analytics.services import rollups_write, user_created
        from clicknback.ledger_checks import LedgerCheck, ledger_check_register
        from clicknback.rollups import rollup_writer_register

        rollup_writer_register(rollups_write)
        ledger_check_register(
            LedgerCheck("rollups", rollup_discrepancy_lines, "every daily figure equals its recomputation")
        )
        from django.db.models.signals import post_save

        from accounts.models import User

        post_save.connect(user_created, sender=User, dispatch_uid="analytics.user_created")
