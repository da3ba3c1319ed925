from django.core.management.base import BaseCommand

from clicknback.ratelimit import rate_limit_counters_purge


class Command(BaseCommand):
    help = "Delete PostgreSQL rate-limit counters whose window ended (without REDIS_URL); run it daily from cron."

    def handle(self, *args: object, **options: object) -> None:
        self.stdout.write(f"{rate_limit_counters_purge()} expired rate-limit counter(s) deleted.")
