"""The permissions of the tier screens, which the API asks for too."""

from accounts.permissions import staff_permission_required

ADD_TIER = "loyalty.add_tier"
CHANGE_TIER = "loyalty.change_tier"

CanAddTier = staff_permission_required(POST=ADD_TIER)
CanChangeTier = staff_permission_required(PATCH=CHANGE_TIER)
