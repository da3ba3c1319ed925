"""The staff groups and exactly the permissions they hold, kept in code and applied after migrate.

- support: views every business screen, reviews fraud (clear / confirm / reverse purchases) and
  decides missing-cashback claims.
- finance: views every business screen and processes payouts (complete / fail).
  Finance also proposes manual adjustments and approves those another member proposed.
Both may add notes on a customer's page.
Superusers can do everything. Anyone else with `is_staff` sees only what their own permissions allow.
"""

from __future__ import annotations

from typing import Any

from django.apps import apps as global_apps
from django.db.models import Q

from claims.permissions import REVIEW_CLAIM
from payouts.permissions import PROCESS_PAYOUT
from purchases.permissions import REVIEW_PURCHASE
from wallets.permissions import APPROVE_ADJUSTMENT, PROPOSE_ADJUSTMENT

ADD_STAFF_NOTE = "backoffice.add_staffnote"  # notes on a customer's page
SUPPORT = "support"
FINANCE = "finance"

# Apps whose every model staff may look at (not auth internals, sessions or token blacklists);
# `clicknback` holds the audit trail.
VIEWABLE_APPS = (
    "clicknback",
    "accounts",
    "merchants",
    "offers",
    "purchases",
    "wallets",
    "payouts",
    "clicks",
    "claims",
    "backoffice",
    "loyalty",
    "chain",
    "campaigns",
    "analytics",
)

GROUP_PERMISSIONS: dict[str, tuple[str, ...]] = {
    SUPPORT: (REVIEW_PURCHASE, REVIEW_CLAIM, ADD_STAFF_NOTE),
    FINANCE: (PROCESS_PAYOUT, ADD_STAFF_NOTE, PROPOSE_ADJUSTMENT, APPROVE_ADJUSTMENT),
}


def staff_groups_sync(*, apps: Any = global_apps, using: str = "default", **kwargs: Any) -> None:
    """Create the groups if missing and set their permissions to the declared ones (idempotent)."""
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    views = Q(content_type__app_label__in=VIEWABLE_APPS, codename__startswith="view_")
    for name, extra in GROUP_PERMISSIONS.items():
        wanted = views
        for dotted in extra:
            app_label, codename = dotted.split(".")
            wanted |= Q(content_type__app_label=app_label, codename=codename)
        group, _ = Group.objects.using(using).get_or_create(name=name)
        group.permissions.set(Permission.objects.using(using).filter(wanted))
