from django.core.management.base import BaseCommand, CommandError

from loyalty.selectors import points_discrepancies
from wallets.selectors import ledger_discrepancies


class Command(BaseCommand):
    help = (
        "Recompute every wallet from its ledger entries, and every points account from its entries and "
        "lots; exit non-zero on any difference."
    )

    def handle(self, *args: object, **options: object) -> None:
        discrepancies = ledger_discrepancies()
        for item in discrepancies:
            self.stdout.write(
                f"wallet {item.wallet_id} (user {item.user_id}): {item.field} is {item.wallet_value}, "
                f"entries say {item.ledger_value}"
            )
        points = points_discrepancies()
        for item in points:
            self.stdout.write(
                f"points account {item.account_id} (user {item.user_id}): balance is {item.account_value}, "
                f"{item.field} says {item.ledger_value}"
            )
        if discrepancies or points:
            raise CommandError(f"{len(discrepancies) + len(points)} ledger discrepancies found.")
        self.stdout.write(
            "Ledger OK: every wallet equals the sum of its entries; every points balance equals the sum of "
            "its entries and the points left in its lots minus its debt."
        )
