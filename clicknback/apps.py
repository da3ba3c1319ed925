from django.apps import AppConfig


class ClicknbackConfig(AppConfig):
    name = "clicknback"
    verbose_name = "ClickNBack"

    def ready(self) -> None:
        from clicknback import ratelimit  # noqa: F401 - registers its deploy check
