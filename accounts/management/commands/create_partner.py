"""`python manage.py create_partner --name NAME`: prints `{id, name, key, secret}` as one JSON object."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts.services import partner_create
from clicknback.actors import Actor
from clicknback.errors import DomainError


class Command(BaseCommand):
    help = "Create a webhook partner and print its credentials (the secret is shown only now) as JSON."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--name", required=True, help="The partner's display name.")

    def handle(self, *args: Any, name: str, **options: Any) -> None:
        try:
            partner = partner_create(name=name, actor=Actor.job("create_partner"))
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(
            json.dumps({"id": str(partner.pk), "name": partner.name, "key": partner.key, "secret": partner.secret})
        )
