"""Compare the chain's Minted events, per address, with the token payouts the database completed.
Prints every difference; exits non-zero when there is one (for cron and CI)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from chain.client import ChainUnavailable, chain_client
from chain.reconcile import Mint, chain_differences
from chain.selectors import expected_mints


class Command(BaseCommand):
    help = "Compare Minted events on the chain with completed token payouts; non-zero exit on any difference."

    def handle(self, *args, **options) -> None:
        try:
            events = chain_client().list_mints()
        except ChainUnavailable as exc:
            raise CommandError("the chain adapter is unavailable (python manage.py run_chain_adapter)") from exc
        on_chain = [Mint(event.ref, event.to, int(event.amount)) for event in events]
        differences = chain_differences(on_chain=on_chain, expected=expected_mints())
        for difference in differences:
            self.stdout.write(str(difference))
        if differences:
            raise CommandError(f"{len(differences)} difference(s) between the chain and the database")
        self.stdout.write(f"chain and database agree: {len(on_chain)} mint(s)")
