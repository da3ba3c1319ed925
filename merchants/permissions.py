from rest_framework.permissions import SAFE_METHODS, BasePermission


class ReadSignedInWriteAdmin(BasePermission):
    """Catalogue endpoints: any signed-in account reads; only admins write (others: 403 PERMISSION_DENIED)."""

    message = "Only admins may do this."

    def has_permission(self, request, view) -> bool:
        if not (request.user and request.user.is_authenticated):
            return False
        return request.method in SAFE_METHODS or request.user.is_staff
