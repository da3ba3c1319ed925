from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from events.consumers import UnknownConsumer, run_consumer
from events.jetstream import JetStream, NatsUnavailable


class Command(BaseCommand):
    help = "Run one durable JetStream consumer (e.g. notifications) until stopped."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            link = JetStream().connect()
            self.stdout.write(f"Consumer {options['name']} pulling from stream {settings.NATS_STREAM}, until stopped.")
            self.stdout.flush()
            run_consumer(options["name"], link=link)
        except (UnknownConsumer, NatsUnavailable) as exc:
            raise CommandError(str(exc)) from exc
