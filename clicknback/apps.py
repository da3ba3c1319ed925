from django.apps import AppConfig


class ClicknbackConfig(AppConfig):
    name = "clicknback"
    verbose_name = "ClickNBack"
