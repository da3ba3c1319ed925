from clicknback.routing import route
from merchants.views import MerchantDetailView, MerchantListCreateView

urlpatterns = [
    *route("merchants", MerchantListCreateView.as_view(), "merchant-list"),
    *route("merchants/<uuid:merchant_id>", MerchantDetailView.as_view(), "merchant-detail"),
]
