from django.core.management.base import BaseCommand

from clicknback.idempotency import idempotency_keys_purge


class Command(BaseCommand):
    help = "Delete Idempotency-Keys older than IDEMPOTENCY_KEY_TTL (24 h); run it daily from cron."

    def handle(self, *args: object, **options: object) -> None:
        self.stdout.write(f"{idempotency_keys_purge()} expired idempotency key(s) deleted.")
