from analytics.views import CampaignsView, ClicksView, DailyView, MerchantsView, SummaryView, TiersView
from clicknback.routing import route

urlpatterns = [
    *route("analytics/summary", SummaryView.as_view(), "analytics-summary"),
    *route("analytics/daily", DailyView.as_view(), "analytics-daily"),
    *route("analytics/merchants", MerchantsView.as_view(), "analytics-merchants"),
    *route("analytics/campaigns", CampaignsView.as_view(), "analytics-campaigns"),
    *route("analytics/clicks", ClicksView.as_view(), "analytics-clicks"),
    *route("analytics/tiers", TiersView.as_view(), "analytics-tiers"),
]
