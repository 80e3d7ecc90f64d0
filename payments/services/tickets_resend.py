"""Staff send an order's tickets to its customer again: the tickets PDF, by email.

The same tickets the customer downloads from the status page (a paid order's ISSUED lines with an
active voucher), attached to one email to the order's contact. The send is audited in the
order's timeline and leaves after the transaction that recorded it commits.
"""

import logging

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction

from orders import events
from orders.locks import lock_order
from orders.statuses import LineStatus
from orders.ticket_documents import ticket_pages, tickets_pdf
from payments.models import TICKETS_STATUSES, Payment
from tessera.actors import Actor
from tessera.errors import InvalidState

logger = logging.getLogger(__name__)


def order_tickets_resend(*, order_id, actor: Actor) -> str:
    """Email the order's tickets to its contact again; returns the address."""
    with transaction.atomic():
        order = lock_order(order_id)
        if not order.contact_email:
            raise InvalidState(f"Order {order.reference} has no contact email.", status=order.status)
        if not Payment.objects.filter(order=order, status__in=TICKETS_STATUSES).exists():
            raise InvalidState(
                f"Order {order.reference} is not paid: it has no tickets yet.", status=order.status
            )
        lines = order.lines.filter(status=LineStatus.ISSUED).select_related("voucher", "traveller")
        pages = ticket_pages(order, lines.order_by("position"))
        if not pages:
            raise InvalidState(f"Order {order.reference} has no ticket to send.", status=order.status)
        events.order_tickets_resent(order, actor=actor, tickets=len(pages))
        message = EmailMessage(
            subject=f"Your tickets for order {order.reference}",
            body=(
                f"Hello {order.contact_name or 'there'},\n\n"
                f"your tickets for order {order.reference} with {order.partner.name} are attached, "
                "one page per ticket.\n"
            ),
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[order.contact_email],
        )
        message.attach(f"tickets-{order.reference}.pdf", tickets_pdf(order, pages), "application/pdf")
        transaction.on_commit(lambda: _send(message, order.reference))
        return order.contact_email


def _send(message: EmailMessage, reference: str) -> None:
    try:
        message.send()
    except Exception:  # an unreachable mail server must not fail the commit that audited it
        logger.exception("the tickets of order %s could not be sent", reference)
