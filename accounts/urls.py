from accounts import views
from clicknback.routing import route

urlpatterns = [
    *route("auth/register", views.RegisterView.as_view(), "auth-register"),
    *route("auth/login", views.LoginView.as_view(), "auth-login"),
    *route("auth/refresh", views.RefreshView.as_view(), "auth-refresh"),
    *route("auth/logout", views.LogoutView.as_view(), "auth-logout"),
    *route("auth/password/change", views.PasswordChangeView.as_view(), "auth-password-change"),
    *route("auth/password/reset", views.PasswordResetView.as_view(), "auth-password-reset"),
    *route("auth/password/reset/confirm", views.PasswordResetConfirmView.as_view(), "auth-password-reset-confirm"),
    *route("me", views.MeView.as_view(), "me"),
    *route("partners", views.PartnerListCreateView.as_view(), "partners"),
]
