from clicknback.routing import route
from loyalty.views import (
    LoyaltyStatusView,
    RedeemView,
    RewardsHistoryView,
    RewardsView,
    TierDetailView,
    TierListCreateView,
)

urlpatterns = [
    *route("loyalty/tiers", TierListCreateView.as_view(), "tier-list"),
    *route("loyalty/tiers/<uuid:tier_id>", TierDetailView.as_view(), "tier-detail"),
    *route("loyalty/status", LoyaltyStatusView.as_view(), "loyalty-status"),
    *route("rewards", RewardsView.as_view(), "rewards"),
    *route("rewards/history", RewardsHistoryView.as_view(), "rewards-history"),
    *route("rewards/redeem", RedeemView.as_view(), "rewards-redeem"),
]
