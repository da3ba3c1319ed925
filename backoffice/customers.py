"""The customer 360 page's reads and its one write (a staff note).

Other apps add panels of their own (points and tier from loyalty, clicks and claims...) with
`register_customer_panel` in their AppConfig.ready: the page shows each panel's title and HTML,
so this module never imports them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.db import transaction
from django.db.models import QuerySet

from accounts.models import User
from backoffice.models import StaffNote
from payouts.models import Payout
from purchases.models import Purchase
from wallets.models import Wallet
from wallets.selectors import wallet_for_user

RECENT_ROWS = 10
NOTE_MAX_LENGTH = 2000


@dataclass(frozen=True)
class CustomerPanel:
    """A titled block of HTML on the page; `html` must be safe (build it with `format_html`)."""

    title: str
    html: str


CustomerPanelSource = Callable[[User], CustomerPanel | None]
_panels: list[CustomerPanelSource] = []


def register_customer_panel(source: CustomerPanelSource) -> None:
    """An extension point: `source(user)` returns a panel for the page, or None to show nothing."""
    if source not in _panels:
        _panels.append(source)


@dataclass(frozen=True)
class CustomerView:
    customer: User
    wallet: Wallet
    purchases: list[Purchase]
    flagged: list[Purchase]
    payouts: list[Payout]
    notes: list[StaffNote]
    panels: list[CustomerPanel]


def customer_view(*, customer: User) -> CustomerView:
    purchases: QuerySet[Purchase] = Purchase.objects.filter(user=customer).select_related("merchant")
    return CustomerView(
        customer=customer,
        wallet=wallet_for_user(user_id=customer.pk),
        purchases=list(purchases.order_by("-created_at")[:RECENT_ROWS]),
        flagged=list(purchases.filter(flagged=True).order_by("-created_at")[:RECENT_ROWS]),
        payouts=list(Payout.objects.filter(user=customer).order_by("-created_at")[:RECENT_ROWS]),
        notes=list(StaffNote.objects.filter(customer=customer).select_related("author").order_by("-created_at", "-id")),
        panels=[panel for source in _panels if (panel := source(customer)) is not None],
    )


@transaction.atomic(durable=True)
def staff_note_add(*, customer: User, author: User, text: str) -> StaffNote:
    """A note on the customer's page; the text is stripped and must not be blank."""
    return StaffNote.objects.create(customer=customer, author=author, text=text.strip())
