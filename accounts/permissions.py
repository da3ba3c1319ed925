"""Role checks for API views. A signed-in caller of the wrong role gets `403 PERMISSION_DENIED`.

Staff act only through Django permissions, the same ones their back-office screens need (superusers
hold every one): `is_staff` alone grants nothing, so a token cannot do what the admin site refuses.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rest_framework.permissions import SAFE_METHODS, BasePermission

from accounts.models import Partner

VIEW_PARTNER = "accounts.view_partner"
ADD_PARTNER = "accounts.add_partner"


def staff_may(user: Any, permission: str) -> bool:
    """Whether `user` is staff holding `permission`. Other accounts are never asked for their
    permissions (no query on the users' paths)."""
    return bool(user and user.is_authenticated and user.is_staff and user.has_perm(permission))


class IsRegularUser(BasePermission):
    """Endpoints about the caller's own money (wallet, payouts requests) are for the `user` role."""

    message = "Only users may do this."

    def has_permission(self, request, view) -> bool:
        return bool(request.user and request.user.is_authenticated and not request.user.is_staff)


class IsPartner(BasePermission):
    message = "Only a partner may call this endpoint."

    def has_permission(self, request, view) -> bool:
        return isinstance(request.auth, Partner)


class StaffPermissionRequired(BasePermission):
    """Reads need `read` (None: any signed-in account); every other method the permission that
    `write` names for it. A method the view does not serve falls through to its `405`."""

    read: str | None = None
    write: Mapping[str, str] = {}
    message = "Only admins may do this."

    def has_permission(self, request, view) -> bool:
        user = request.user
        if not (user and user.is_authenticated):
            return False
        if request.method in SAFE_METHODS:
            required = self.read
        elif request.method in self.write:
            required = self.write[request.method]
        else:
            return not hasattr(view, request.method.lower())
        if required is None or staff_may(user, required):
            return True
        self.message = "Your staff role may not do this." if user.is_staff else "Only admins may do this."
        return False


def staff_permission_required(*, read: str | None = None, **write: str) -> type[StaffPermissionRequired]:
    """`staff_permission_required(POST="merchants.add_merchant", PATCH="merchants.change_merchant")`."""
    name = "StaffPermissionRequired[" + ", ".join(f"{m}={p}" for m, p in {"read": read, **write}.items() if p) + "]"
    return type(name, (StaffPermissionRequired,), {"read": read, "write": write})


PartnerPermissions = staff_permission_required(read=VIEW_PARTNER, POST=ADD_PARTNER)
