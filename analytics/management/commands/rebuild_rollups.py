from datetime import date

from django.core.management.base import BaseCommand, CommandError

from analytics.rebuild import rollups_rebuild


class Command(BaseCommand):
    help = "Recompute the analytics daily figures from the raw tables (every day, or --from/--to, UTC, inclusive)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--from", dest="first", type=date.fromisoformat, default=None)
        parser.add_argument("--to", dest="last", type=date.fromisoformat, default=None)

    def handle(self, *args: object, first: date | None, last: date | None, **options: object) -> None:
        if first and last and first > last:
            raise CommandError("--from must not be after --to.")
        rows = rollups_rebuild(first=first, last=last)
        self.stdout.write(f"Rebuilt {rows} rollup rows.")
