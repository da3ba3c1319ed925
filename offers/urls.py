from clicknback.routing import route
from offers.views import OfferActiveListView, OfferDetailView, OfferListCreateView

urlpatterns = [
    *route("offers", OfferListCreateView.as_view(), "offer-list"),
    *route("offers/active", OfferActiveListView.as_view(), "offer-active-list"),
    *route("offers/<uuid:offer_id>", OfferDetailView.as_view(), "offer-detail"),
]
