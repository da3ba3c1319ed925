"""Role checks for API views. A signed-in caller of the wrong role gets `403 PERMISSION_DENIED`."""

from rest_framework.permissions import BasePermission

from accounts.models import Partner


class IsAdmin(BasePermission):
    message = "Only admins may do this."

    def has_permission(self, request, view) -> bool:
        return bool(request.user and request.user.is_authenticated and request.user.is_staff)


class IsRegularUser(BasePermission):
    """Endpoints about the caller's own money (wallet, payouts requests) are for the `user` role."""

    message = "Only users may do this."

    def has_permission(self, request, view) -> bool:
        return bool(request.user and request.user.is_authenticated and not request.user.is_staff)


class IsPartner(BasePermission):
    message = "Only a partner may call this endpoint."

    def has_permission(self, request, view) -> bool:
        return isinstance(request.auth, Partner)


class AdminWithPermission(IsAdmin):
    """An admin who also holds `required`: superusers hold everything, other staff through their
    groups. The back-office splits money decisions between staff groups (fraud review, payout
    processing); the API keeps the same split, so a token cannot do what the admin site refuses."""

    required = ""
    message = "Your staff role may not do this."

    def has_permission(self, request, view) -> bool:
        return super().has_permission(request, view) and request.user.has_perm(self.required)


def admin_with_permission(permission: str) -> type[AdminWithPermission]:
    return type(f"AdminWith[{permission}]", (AdminWithPermission,), {"required": permission})
