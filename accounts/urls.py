from accounts import views
from clicknback.routing import route

urlpatterns = [
    *route("auth/register", views.RegisterView.as_view(), "auth-register"),
    *route("auth/login", views.LoginView.as_view(), "auth-login"),
    *route("auth/refresh", views.RefreshView.as_view(), "auth-refresh"),
    *route("auth/logout", views.LogoutView.as_view(), "auth-logout"),
    *route("me", views.MeView.as_view(), "me"),
    *route("partners", views.PartnerListCreateView.as_view(), "partners"),
]
