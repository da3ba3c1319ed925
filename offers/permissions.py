"""The permissions of the offer screens, which the API asks for too."""

from accounts.permissions import staff_permission_required

VIEW_OFFER = "offers.view_offer"  # inactive offers and the status filter
ADD_OFFER = "offers.add_offer"
CHANGE_OFFER = "offers.change_offer"

# Any signed-in account reads the catalogue; writing it needs the screen's permission.
OfferPermissions = staff_permission_required(POST=ADD_OFFER, PATCH=CHANGE_OFFER)
