from django.apps import AppConfig


class PurchasesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "purchases"

    def ready(self) -> None:
        from clicknback.ledger_checks import LedgerCheck, ledger_check_register
        from purchases.selectors import campaign_bonus_mismatch_lines

        ledger_check_register(
            LedgerCheck(
                "campaign bonuses",
                campaign_bonus_mismatch_lines,
                "every purchase's campaign bonus is the bonus its campaign recorded, reversed with it",
            )
        )
