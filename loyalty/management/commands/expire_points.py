from clicknback.jobs import BatchJobCommand
from loyalty.services import points_expire


class Command(BatchJobCommand):
    help = (
        "Expire what is left of every lot of points past its date, one entry per lot. "
        "Several copies may run at once; none expires anything twice."
    )
    default_interval = 3600.0
    batch_help = "Accounts per transaction."

    def run_pass(self, *, batch_size: int) -> int:
        """Batches until none is left: accounts locked by another copy or a redemption are skipped."""
        total = 0
        while expired := points_expire(batch_size=batch_size):
            total += expired
        return total

    def report(self, count: int) -> str:
        return f"Expired {count} lot{'s' if count != 1 else ''}."
