from django.core.management.base import BaseCommand, CommandParser

from loyalty.services import tiers_recompute
from purchases.selectors import qualifying_spend_by_user

JOB_NAME = "recompute_tiers"


class Command(BaseCommand):
    help = (
        "Move every user to the tier their qualifying spend (confirmed purchases of the last 365 days) "
        "earns: the lazy downgrades. Several copies may run at once."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--batch-size", type=int, default=500, help="Users per transaction.")

    def handle(self, *args: object, batch_size: int, **options: object) -> None:
        changed = self.recompute_all(batch_size=max(1, batch_size))
        self.stdout.write(f"Changed the tier of {changed} user{'s' if changed != 1 else ''}.")

    def recompute_all(self, *, batch_size: int) -> int:
        total, after = 0, None
        while True:
            changed, after = tiers_recompute(
                spend_by_user=qualifying_spend_by_user, after=after, batch_size=batch_size, actor_label=JOB_NAME
            )
            total += changed
            if after is None:
                return total
