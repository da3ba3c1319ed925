"""The permissions of the purchase screens, which the API asks for too."""

from accounts.permissions import staff_permission_required

VIEW_PURCHASE = "purchases.view_purchase"  # every user's purchases and the admin filters
REVIEW_PURCHASE = "purchases.review_purchase"  # clear a flag, confirm or reverse by hand

CanReviewPurchases = staff_permission_required(POST=REVIEW_PURCHASE)
