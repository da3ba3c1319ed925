"""The permissions of the campaign screens, which the API asks for too."""

from accounts.permissions import staff_permission_required

VIEW_CAMPAIGN = "campaigns.view_campaign"
ADD_CAMPAIGN = "campaigns.add_campaign"
CHANGE_CAMPAIGN = "campaigns.change_campaign"

CanManageCampaigns = staff_permission_required(POST=ADD_CAMPAIGN, PATCH=CHANGE_CAMPAIGN)
