from django.contrib import admin
from django.urls import include, path, re_path
from django.views.decorators.csrf import csrf_exempt
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularSwaggerView

from clicknback.health import LiveView, ReadyView
from clicknback.logging import API_NOT_FOUND
from clicknback.metrics import MetricsView
from clicknback.openapi import SchemaView
from clicknback.routing import route
from clicknback.views import not_found

api_v1 = [
    path("", include("accounts.urls")),
    path("", include("merchants.urls")),
    path("", include("offers.urls")),
    path("", include("clicks.urls")),
    path("", include("claims.urls")),
    path("", include("purchases.urls")),
    path("", include("wallets.urls")),
    path("", include("payouts.urls")),
    path("", include("loyalty.urls")),
    path("", include("campaigns.urls")),
    path("", include("notifications.urls")),
    path("", include("chain.urls")),
    path("", include("analytics.urls")),
]

urlpatterns = [
    path("admin/login/", include("accounts.admin_urls")),  # before the site's own, which it wraps
    path("admin/", admin.site.urls),
    # Staff type the address by hand; the API has no redirects, the back-office may.
    path("admin", RedirectView.as_view(url="/admin/", permanent=False)),
    path("api/v1/", include(api_v1)),
    *route("health/live", LiveView.as_view(), "health-live"),
    *route("health/ready", ReadyView.as_view(), "health-ready"),
    *route("metrics", MetricsView.as_view(), "metrics"),
    *route("api/schema", SchemaView.as_view(), "schema"),
    *route("api/docs", SpectacularSwaggerView.as_view(url_name="schema"), "swagger-ui"),
    # Any other /api/ path: the envelope's 404 even with DEBUG on, where Django would answer its
    # technical HTML page instead of calling handler404. CSRF-exempt like the API: a 404 changes nothing.
    re_path(r"^api(/|$)", csrf_exempt(not_found), name=API_NOT_FOUND),
    # The member site: last, so every path above keeps its meaning.
    path("", include("web.urls")),
]

# The site's pages for its own paths; the envelope (clicknback.views) for the API's and the admin's.
handler400 = "web.views.errors.bad_request"
handler403 = "web.views.errors.permission_denied"
handler404 = "web.views.errors.not_found"
handler500 = "web.views.errors.server_error"
