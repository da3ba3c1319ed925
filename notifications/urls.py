from clicknback.routing import route
from notifications.views import NotificationListView, NotificationReadAllView, NotificationReadView

urlpatterns = [
    *route("notifications", NotificationListView.as_view(), "notification-list"),
    *route("notifications/read-all", NotificationReadAllView.as_view(), "notification-read-all"),
    *route("notifications/<uuid:notification_id>/read", NotificationReadView.as_view(), "notification-read"),
]
