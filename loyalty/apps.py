from django.apps import AppConfig
from django.db.models.signals import post_migrate


class LoyaltyConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "loyalty"

    def ready(self) -> None:
        from clicknback.ledger_checks import LedgerCheck, ledger_check_register
        from loyalty.defaults import default_tiers_ensure
        from loyalty.selectors import points_discrepancy_lines

        ledger_check_register(
            LedgerCheck(
                "points",
                points_discrepancy_lines,
                "every points balance equals the sum of its entries and the points left in its lots minus its debt",
            )
        )

        # A flushed database (transactional tests) gets its tiers back, as the migration made them.
        post_migrate.connect(default_tiers_ensure, sender=self, dispatch_uid="loyalty.default_tiers_ensure")
