"""The permissions of the merchant screens, which the API asks for too."""

from accounts.permissions import staff_permission_required

VIEW_MERCHANT = "merchants.view_merchant"  # inactive merchants and the status filter
ADD_MERCHANT = "merchants.add_merchant"
CHANGE_MERCHANT = "merchants.change_merchant"

# Any signed-in account reads the catalogue; writing it needs the screen's permission.
MerchantPermissions = staff_permission_required(POST=ADD_MERCHANT, PATCH=CHANGE_MERCHANT)
