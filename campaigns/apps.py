from django.apps import AppConfig


class CampaignsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "campaigns"

    def ready(self) -> None:
        from campaigns.selectors import budget_discrepancy_lines
        from clicknback.ledger_checks import LedgerCheck, ledger_check_register

        ledger_check_register(
            LedgerCheck(
                "campaign budgets",
                budget_discrepancy_lines,
                "every campaign's budget_spent equals the bonuses of its non-reversed purchases",
            )
        )
