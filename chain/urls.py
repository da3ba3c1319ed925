from chain.views import ChainAddressView, ChainChallengeView
from clicknback.routing import route

urlpatterns = [
    *route("me/chain-address", ChainAddressView.as_view(), "chain-address"),
    *route("me/chain-address/challenge", ChainChallengeView.as_view(), "chain-address-challenge"),
]
