from django.apps import AppConfig


class EventsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "events"

    def ready(self) -> None:
        from clicknback.metrics import database_gauges_register
        from events.metrics import consumer_pending_state, outbox_state

        database_gauges_register(outbox_state)
        database_gauges_register(consumer_pending_state)
