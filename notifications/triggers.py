"""Which audit events owe the customer an e-mail, and starting its task after they commit.

Transitions (by the status they reach) and a staff member's "send the confirmation again"
(``order.confirmation_resent``, which sends whatever the partner's setting says). An order whose
customer gets no e-mails (no contact address, or a partner that does not e-mail its customers)
queues no task; the task checks again when it runs.
"""

from notifications.models import EmailKind
from notifications.services import owes_emails
from orders.models import OrderEvent
from tessera.background.enqueue import enqueue_after_commit
from tessera.event_types import EventType

BY_STATUS = {
    ("order", "PROCESSING"): EmailKind.ORDER_CONFIRMED,
    ("order", "FULFILLED"): EmailKind.TICKETS_READY,
    ("order", "PARTIALLY_FULFILLED"): EmailKind.TICKETS_READY,
    ("refund", "SUCCEEDED"): EmailKind.REFUND_PROCESSED,
    ("payment", "FAILED"): EmailKind.PAYMENT_FAILED,
}
RESEND = EventType.ORDER_CONFIRMATION_RESENT


def on_event_recorded(sender, event: OrderEvent, **kwargs) -> None:
    if event.transition == RESEND:
        kind, event_key, forced = EmailKind.ORDER_CONFIRMED, f"resend:{event.pk}", True
    elif (kind := BY_STATUS.get((event.subject_type, event.to_status))) is not None:
        event_key, forced = f"{event.subject_type}:{event.subject_id}:{event.to_status}", False
    else:
        return
    if not forced and not owes_emails(event.order_id):
        return
    call = {
        "order_id": str(event.order_id),
        "kind": kind.value,
        "event_key": event_key,
        "forced": forced,
        "correlation_id": event.correlation_id,
    }
    enqueue_after_commit("notifications.tasks.send_customer_email", [call], with_correlation=False)
