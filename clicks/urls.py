from clicknback.routing import route
from clicks.views import ClickListView, MerchantClickView

urlpatterns = [
    *route("merchants/<uuid:merchant_id>/click", MerchantClickView.as_view(), "merchant-click"),
    *route("clicks", ClickListView.as_view(), "click-list"),
]
