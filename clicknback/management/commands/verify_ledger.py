from django.core.management.base import BaseCommand, CommandError

from clicknback.ledger_checks import ledger_checks


class Command(BaseCommand):
    help = "Recompute every ledger (wallets, reward points, ...) from its entries; exit non-zero on any difference."

    def handle(self, *args: object, **options: object) -> None:
        found = 0
        oks = []
        for check in ledger_checks():
            lines = check.find()
            for line in lines:
                self.stdout.write(line)
            found += len(lines)
            oks.append(check.ok_message)
        if found:
            raise CommandError(f"{found} ledger discrepancies found.")
        self.stdout.write("Ledger OK: " + "; ".join(oks) + ".")
