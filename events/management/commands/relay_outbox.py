from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from events.jetstream import JetStream, NatsUnavailable
from events.relay import relay_backlog, relay_forever


class Command(BaseCommand):
    help = "Publish unpublished outbox events to JetStream (once, or --loop forever; run as many as you like)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--loop", action="store_true", help="Keep relaying; back off while NATS is down.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["loop"]:
            self.stdout.write(f"Relaying the outbox to JetStream stream {settings.NATS_STREAM}, until stopped.")
            self.stdout.flush()
            relay_forever()
            return
        try:
            link = JetStream().connect()
            try:
                published = relay_backlog(link)
            finally:
                link.close()
        except NatsUnavailable as exc:
            raise CommandError(f"NATS unavailable: {exc}. The events stay in the outbox.") from exc
        self.stdout.write(f"Published {published} events.")
