from analytics.views import DailyView, MerchantsView, SummaryView, TiersView
from clicknback.routing import route

# `/analytics/campaigns` joins when campaigns exist (issue 18, follow-up).
urlpatterns = [
    *route("analytics/summary", SummaryView.as_view(), "analytics-summary"),
    *route("analytics/daily", DailyView.as_view(), "analytics-daily"),
    *route("analytics/merchants", MerchantsView.as_view(), "analytics-merchants"),
    *route("analytics/tiers", TiersView.as_view(), "analytics-tiers"),
]
