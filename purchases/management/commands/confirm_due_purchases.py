import time

from django.core.management.base import BaseCommand, CommandParser

from clicknback.actors import Actor
from purchases.services import purchases_confirm_due

JOB_NAME = "confirm_due_purchases"


class Command(BaseCommand):
    help = (
        "Confirm every pending, unflagged purchase whose merchant's confirmation delay has passed. "
        "Several copies may run at once; none confirms anything twice."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--loop", action="store_true", help="Keep running, one pass every --interval seconds.")
        parser.add_argument("--interval", type=float, default=60.0, help="Seconds between passes with --loop.")
        parser.add_argument("--batch-size", type=int, default=500, help="Purchases per transaction.")

    def handle(self, *args: object, loop: bool, interval: float, batch_size: int, **options: object) -> None:
        while True:
            count = self.confirm_all(batch_size=max(1, batch_size))
            self.stdout.write(f"Confirmed {count} purchase{'s' if count != 1 else ''}.")
            if not loop:
                return
            try:
                time.sleep(max(0.0, interval))
            except KeyboardInterrupt:
                return

    def confirm_all(self, *, batch_size: int) -> int:
        """Batches until one comes back short: the rest are locked (and being confirmed) by other copies."""
        actor = Actor.job(JOB_NAME)
        total = 0
        while True:
            confirmed = purchases_confirm_due(actor=actor, batch_size=batch_size)
            total += confirmed
            if confirmed < batch_size:
                return total
