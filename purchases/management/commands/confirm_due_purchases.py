from clicknback.actors import Actor
from clicknback.jobs import BatchJobCommand
from purchases.services import purchases_confirm_due

JOB_NAME = "confirm_due_purchases"


class Command(BatchJobCommand):
    help = (
        "Confirm every pending, unflagged purchase whose merchant's confirmation delay has passed. "
        "Several copies may run at once; none confirms anything twice."
    )
    default_interval = 60.0
    batch_help = "Purchases per transaction."

    def run_pass(self, *, batch_size: int) -> int:
        """Batches until one comes back short: the rest are locked (and being confirmed) by other copies."""
        actor = Actor.job(JOB_NAME)
        total = 0
        while True:
            confirmed = purchases_confirm_due(actor=actor, batch_size=batch_size)
            total += confirmed
            if confirmed < batch_size:
                return total

    def report(self, count: int) -> str:
        return f"Confirmed {count} purchase{'s' if count != 1 else ''}."
