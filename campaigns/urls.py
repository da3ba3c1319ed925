from campaigns.views import CampaignDetailView, CampaignEnrollView, CampaignListCreateView
from clicknback.routing import route

urlpatterns = [
    *route("campaigns", CampaignListCreateView.as_view(), "campaign-list"),
    *route("campaigns/<uuid:campaign_id>", CampaignDetailView.as_view(), "campaign-detail"),
    *route("campaigns/<uuid:campaign_id>/enroll", CampaignEnrollView.as_view(), "campaign-enroll"),
]
