"""The permissions of the claim screen, which the API asks for too."""

from accounts.permissions import staff_permission_required

VIEW_CLAIM = "claims.view_claim"  # every user's claims and the status filter
REVIEW_CLAIM = "claims.review_claim"  # approve or reject (support and superusers)

CanReviewClaims = staff_permission_required(POST=REVIEW_CLAIM)
