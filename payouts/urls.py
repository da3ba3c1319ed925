from clicknback.routing import route
from payouts.views import PayoutCompleteView, PayoutDetailView, PayoutFailView, PayoutListCreateView

urlpatterns = [
    *route("payouts", PayoutListCreateView.as_view(), "payout-list"),
    *route("payouts/<uuid:payout_id>", PayoutDetailView.as_view(), "payout-detail"),
    *route("payouts/<uuid:payout_id>/complete", PayoutCompleteView.as_view(), "payout-complete"),
    *route("payouts/<uuid:payout_id>/fail", PayoutFailView.as_view(), "payout-fail"),
]
