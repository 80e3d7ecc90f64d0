from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    """E-mails to customers, sent by workers when the order events they tell of commit. Above
    orders and payments: it listens to orders' audit events and reads both apps."""

    name = "notifications"
    verbose_name = "Customer e-mails"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from notifications import triggers
        from orders.signals import event_recorded

        event_recorded.connect(triggers.on_event_recorded, dispatch_uid="notifications-event-recorded")
