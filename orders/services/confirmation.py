"""The order confirmation, sent again by staff on request.

The service checks the order may have one and audits the request; the e-mail itself is sent by
a worker once that audit commits (notifications/, which listens to the audit trail), so no
request waits on a mail server. It never carries a code, PIN or link of a voucher.
"""

from django.db import transaction

from orders import events
from orders.locks import lock_order
from tessera.actors import Actor
from tessera.errors import InvalidState


def order_confirmation_resend(*, order_id, actor: Actor) -> str:
    """Ask for the confirmation of a finalized order to go to its contact again; returns the
    address."""
    with transaction.atomic():
        order = lock_order(order_id)
        if order.finalized_at is None:
            raise InvalidState(
                f"Order {order.reference} is {order.status}: only finalized orders have a confirmation.",
                status=order.status,
            )
        if not order.contact_email:
            raise InvalidState(f"Order {order.reference} has no contact email.", status=order.status)
        events.order_confirmation_resent(order, actor=actor, channel="email")
        return order.contact_email
