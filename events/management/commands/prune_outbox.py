from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from events.services import outbox_prune


class Command(BaseCommand):
    help = "Delete outbox events published more than OUTBOX_RETENTION_DAYS ago (run daily)."

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(f"Pruned {outbox_prune()} published events.")
