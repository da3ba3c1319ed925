"""Demo data for a newcomer: each app that has a `demo` module adds its part, in app order.

Every `demo.seed(out)` is idempotent (get_or_create on natural keys), so running this twice
changes nothing the second time. Seeds go through the public services, which open their own
durable transactions, so this command does not wrap them in one.
"""

from importlib import import_module
from importlib.util import find_spec

from django.apps import apps
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Create demo accounts, merchants, offers, purchases and payouts (idempotent)."

    def handle(self, *args: object, **options: object) -> None:
        for config in apps.get_app_configs():
            module_name = f"{config.name}.demo"
            if find_spec(module_name) is None:
                continue
            import_module(module_name).seed(self.stdout)
        self.stdout.write(self.style.SUCCESS("Demo data ready."))
