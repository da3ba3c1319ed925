from chain.views import ChainAddressView, ChainChallengeView, TokenWalletView
from clicknback.routing import route

urlpatterns = [
    *route("me/chain-address", ChainAddressView.as_view(), "chain-address"),
    *route("me/chain-address/challenge", ChainChallengeView.as_view(), "chain-address-challenge"),
    *route("wallet/token", TokenWalletView.as_view(), "wallet-token"),
]
