from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularSwaggerView

from clicknback.health import LiveView, ReadyView
from clicknback.metrics import MetricsView
from clicknback.openapi import SchemaView
from clicknback.routing import route

api_v1 = [
    path("", include("accounts.urls")),
    path("", include("merchants.urls")),
    path("", include("offers.urls")),
    path("", include("purchases.urls")),
    path("", include("wallets.urls")),
    path("", include("payouts.urls")),
    path("", include("notifications.urls")),
]

urlpatterns = [
    path("admin/", admin.site.urls),
    # Staff type the address by hand; the API has no redirects, the back-office may.
    path("admin", RedirectView.as_view(url="/admin/", permanent=False)),
    path("api/v1/", include(api_v1)),
    *route("health/live", LiveView.as_view(), "health-live"),
    *route("health/ready", ReadyView.as_view(), "health-ready"),
    *route("metrics", MetricsView.as_view(), "metrics"),
    *route("api/schema", SchemaView.as_view(), "schema"),
    *route("api/docs", SpectacularSwaggerView.as_view(url_name="schema"), "swagger-ui"),
]

handler400 = "clicknback.views.bad_request"
handler403 = "clicknback.views.permission_denied"
handler404 = "clicknback.views.not_found"
handler500 = "clicknback.views.server_error"
