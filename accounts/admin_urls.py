"""The throttled back-office login, mounted by the project's urls ahead of the admin site's own."""

from django.urls import path

from accounts.admin_login import admin_login

urlpatterns = [path("", admin_login, name="admin-login")]
