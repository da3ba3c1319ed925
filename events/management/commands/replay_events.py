from __future__ import annotations

from datetime import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.dateparse import parse_datetime

from events.consumers import UnknownConsumer, replay
from events.jetstream import JetStream, NatsUnavailable


def since_argument(value: str) -> datetime | int:
    if value.isdigit():
        return int(value)
    moment = parse_datetime(value)
    if moment is None or moment.tzinfo is None:
        raise CommandError("--since is a stream sequence or an ISO 8601 time with its offset.")
    return moment


class Command(BaseCommand):
    help = "Re-deliver the stream's history to one consumer (safe: a handled event changes nothing)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--consumer", required=True)
        parser.add_argument("--since", required=True, help="A stream sequence (1) or a time (2026-01-01T00:00Z).")

    def handle(self, *args: Any, **options: Any) -> None:
        since = since_argument(options["since"])
        try:
            link = JetStream().connect()
            try:
                delivered, handled = replay(options["consumer"], link=link, since=since)
            finally:
                link.close()
        except (UnknownConsumer, NatsUnavailable) as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"Replayed {delivered} events to {options['consumer']}: {handled} newly handled.")
