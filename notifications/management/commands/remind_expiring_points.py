from clicknback.jobs import BatchJobCommand
from notifications.services import points_expiring_remind


class Command(BatchJobCommand):
    help = (
        "Write a points.expiring event for every lot of points expiring within 7 days (the "
        "notifications consumer makes the reminder of it); once per lot, however often it runs."
    )
    default_interval = 86400.0
    batch_help = "Lots per transaction."

    def run_pass(self, *, batch_size: int) -> int:
        total = 0
        while reminded := points_expiring_remind(batch_size=batch_size):
            total += reminded
        return total

    def report(self, count: int) -> str:
        return f"Reminded {count} lot{'s' if count != 1 else ''} of points expiring."
