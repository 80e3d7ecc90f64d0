"""One row per e-mail a customer is owed: the record that makes sending idempotent."""

from django.db import models


class EmailKind(models.TextChoices):
    ORDER_CONFIRMED = "order_confirmed", "Order confirmed"
    TICKETS_READY = "tickets_ready", "Tickets ready"
    REFUND_PROCESSED = "refund_processed", "Refund processed"
    PAYMENT_FAILED = "payment_failed", "Payment failed"


class SentEmail(models.Model):
    """An e-mail of ``kind`` about ``order`` for the event ``event_key`` (``refund:<id>:SUCCEEDED``,
    ``resend:<audit event id>``): one row per event, so a task that runs twice sends once.
    A task claims the row (``claimed_at``) before it sends, so two runs at once send once;
    ``sent_at`` is set once the mail server took the e-mail; a claim older than CLAIM_EXPIRY
    without it is taken to be a worker that died while sending, and is sent again."""

    order = models.ForeignKey("orders.Order", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=24, choices=EmailKind.choices)
    event_key = models.CharField(max_length=120)
    to = models.EmailField()
    created_at = models.DateTimeField(auto_now_add=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["order", "kind", "event_key"], name="sent_email_once_per_event")
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} to {self.to}"
