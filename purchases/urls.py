from clicknback.routing import route
from purchases.views import (
    CashbackQuoteView,
    PurchaseBatchWebhookView,
    PurchaseConfirmView,
    PurchaseDetailView,
    PurchaseListView,
    PurchaseReverseView,
    PurchaseWebhookView,
)

urlpatterns = [
    *route("webhooks/purchases", PurchaseWebhookView.as_view(), "webhook-purchases"),
    *route("webhooks/purchases/batch", PurchaseBatchWebhookView.as_view(), "webhook-purchases-batch"),
    *route("cashback/calculate", CashbackQuoteView.as_view(), "cashback-calculate"),
    *route("purchases", PurchaseListView.as_view(), "purchase-list"),
    *route("purchases/<uuid:purchase_id>", PurchaseDetailView.as_view(), "purchase-detail"),
    *route("purchases/<uuid:purchase_id>/confirm", PurchaseConfirmView.as_view(), "purchase-confirm"),
    *route("purchases/<uuid:purchase_id>/reverse", PurchaseReverseView.as_view(), "purchase-reverse"),
]
