import time

from django.core.management.base import BaseCommand, CommandParser

from loyalty.services import points_expire


class Command(BaseCommand):
    help = (
        "Expire what is left of every lot of points past its date, one entry per lot. "
        "Several copies may run at once; none expires anything twice."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--loop", action="store_true", help="Keep running, one pass every --interval seconds.")
        parser.add_argument("--interval", type=float, default=3600.0, help="Seconds between passes with --loop.")
        parser.add_argument("--batch-size", type=int, default=500, help="Accounts per transaction.")

    def handle(self, *args: object, loop: bool, interval: float, batch_size: int, **options: object) -> None:
        while True:
            count = self.expire_all(batch_size=max(1, batch_size))
            self.stdout.write(f"Expired {count} lot{'s' if count != 1 else ''}.")
            if not loop:
                return
            try:
                time.sleep(max(0.0, interval))
            except KeyboardInterrupt:
                return

    def expire_all(self, *, batch_size: int) -> int:
        """Batches until none is left: accounts locked by another copy or a redemption are skipped."""
        total = 0
        while expired := points_expire(batch_size=batch_size):
            total += expired
        return total
