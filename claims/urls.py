from claims.views import ClaimApproveView, ClaimDetailView, ClaimListCreateView, ClaimRejectView
from clicknback.routing import route

urlpatterns = [
    *route("claims", ClaimListCreateView.as_view(), "claim-list"),
    *route("claims/<uuid:claim_id>", ClaimDetailView.as_view(), "claim-detail"),
    *route("claims/<uuid:claim_id>/approve", ClaimApproveView.as_view(), "claim-approve"),
    *route("claims/<uuid:claim_id>/reject", ClaimRejectView.as_view(), "claim-reject"),
]
