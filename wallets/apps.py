from django.apps import AppConfig


class WalletsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "wallets"

    def ready(self) -> None:
        from clicknback.ledger_checks import LedgerCheck, ledger_check_register
        from wallets.selectors import ledger_discrepancy_lines

        ledger_check_register(
            LedgerCheck("wallets", ledger_discrepancy_lines, "every wallet equals the sum of its entries")
        )
