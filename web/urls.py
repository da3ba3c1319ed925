"""The member site, mounted at `/` after the API and the admin (clicknback/urls.py)."""

from django.urls import path

from web.views import accounts, cashback, claims, notifications, rewards, shops, withdraw

app_name = "web"

urlpatterns = [
    path("", shops.shop_list, name="shops"),
    path("signup/", accounts.signup, name="signup"),
    path("signin/", accounts.signin, name="signin"),
    path("signout/", accounts.signout, name="signout"),
    path("account/", accounts.account, name="account"),
    path("account/password/", accounts.password_change_view, name="password-change"),
    path("password-reset/", accounts.password_reset, name="password-reset"),
    # The address PASSWORD_RESET_URL mails (no trailing slash).
    path("reset-password", accounts.password_reset_confirm_view, name="password-reset-confirm"),
    path("shops/<uuid:merchant_id>/", shops.shop_detail, name="shop"),
    path("shops/<uuid:merchant_id>/activate/", shops.shop_activate, name="shop-activate"),
    path(
        "shops/<uuid:merchant_id>/campaigns/<uuid:campaign_id>/enroll/",
        shops.shop_campaign_enroll,
        name="shop-campaign-enroll",
    ),
    path("cashback/", cashback.cashback, name="cashback"),
    path("withdraw/", withdraw.withdraw, name="withdraw"),
    path("rewards/", rewards.rewards, name="rewards"),
    path("claims/", claims.claims, name="claims"),
    path("claims/new/", claims.claim_new, name="claim-new"),
    path("claims/<uuid:claim_id>/", claims.claim_detail, name="claim"),
    path("clicks/", claims.my_clicks, name="clicks"),
    path("notifications/", notifications.notifications, name="notifications"),
    path("notifications/read-all/", notifications.notifications_mark_all_read, name="notifications-read-all"),
    path("notifications/<uuid:notification_id>/read/", notifications.notification_mark_read, name="notification-read"),
]
