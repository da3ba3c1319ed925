"""The analytics endpoints and the dashboard ask for the view permission of the daily figures
(support and finance hold it through `backoffice.groups.VIEWABLE_APPS`)."""

from accounts.permissions import staff_permission_required

VIEW_ANALYTICS = "analytics.view_dailyfigures"

CanViewAnalytics = staff_permission_required(read=VIEW_ANALYTICS)
