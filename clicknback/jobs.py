"""The shape of the batch jobs (`confirm_due_purchases`, `expire_points`): one pass, or `--loop`."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandParser


class BatchJobCommand(BaseCommand):
    """A management command that runs `run_pass(batch_size=...)` once, or every `--interval` seconds
    with `--loop`, and prints `report(count)` after each pass. Several copies may run at once: the
    services they call skip rows another copy holds."""

    default_interval: float = 60.0
    batch_help = "Rows per transaction."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--loop", action="store_true", help="Keep running, one pass every --interval seconds.")
        parser.add_argument(
            "--interval", type=float, default=self.default_interval, help="Seconds between passes with --loop."
        )
        parser.add_argument("--batch-size", type=int, default=500, help=self.batch_help)

    def handle(self, *args: object, loop: bool, interval: float, batch_size: int, **options: object) -> None:
        while True:
            self.stdout.write(self.report(self.run_pass(batch_size=max(1, batch_size))))
            if not loop:
                return
            try:
                time.sleep(max(0.0, interval))
            except KeyboardInterrupt:
                return

    def run_pass(self, *, batch_size: int) -> int:
        raise NotImplementedError

    def report(self, count: int) -> str:
        raise NotImplementedError
