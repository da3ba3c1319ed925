from django.apps import AppConfig


class ChainConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "chain"

    def ready(self) -> None:
        from chain.selectors import linked_address_of
        from payouts.destinations import linked_address_register

        linked_address_register(linked_address_of)
