from django.apps import AppConfig
from django.db.models.signals import post_migrate


class LoyaltyConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "loyalty"

    def ready(self) -> None:
        from loyalty.defaults import default_tiers_ensure

        # A flushed database (transactional tests) gets its tiers back, as the migration made them.
        post_migrate.connect(default_tiers_ensure, sender=self, dispatch_uid="loyalty.default_tiers_ensure")
