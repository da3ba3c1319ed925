"""Who may call the loyalty endpoints."""

from accounts.permissions import admin_with_permission

CanAddTier = admin_with_permission("loyalty.add_tier")
CanChangeTier = admin_with_permission("loyalty.change_tier")
