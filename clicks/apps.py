from django.apps import AppConfig


class ClicksConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "clicks"
