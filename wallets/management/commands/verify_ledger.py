from django.core.management.base import BaseCommand, CommandError

from wallets.selectors import ledger_discrepancies


class Command(BaseCommand):
    help = "Recompute every wallet from its ledger entries; exit non-zero on any difference."

    def handle(self, *args: object, **options: object) -> None:
        discrepancies = ledger_discrepancies()
        for item in discrepancies:
            self.stdout.write(
                f"wallet {item.wallet_id} (user {item.user_id}): {item.field} is {item.wallet_value}, "
                f"entries say {item.ledger_value}"
            )
        if discrepancies:
            raise CommandError(f"{len(discrepancies)} ledger discrepancies found.")
        self.stdout.write("Ledger OK: every wallet equals the sum of its entries.")
