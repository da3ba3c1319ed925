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
