from clicknback.routing import route
from wallets.views import WalletTransactionListView, WalletView

urlpatterns = [
    *route("wallet", WalletView.as_view(), "wallet"),
    *route("wallet/transactions", WalletTransactionListView.as_view(), "wallet-transactions"),
]
