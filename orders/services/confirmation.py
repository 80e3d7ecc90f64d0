"""The order confirmation: an email to the order's contact, sent again by staff on request.

It says what was ordered, where the order stands and where the customer's page is; it never
carries a code, PIN or link of a voucher (those stay behind the status page). The email leaves
after the transaction that audited it commits.
"""

import logging

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.urls import reverse

from orders import events
from orders.locks import lock_order
from orders.models import Order
from tessera.actors import Actor
from tessera.errors import InvalidState
from tessera.money import format_amount

logger = logging.getLogger(__name__)


def order_confirmation_resend(*, order_id, actor: Actor) -> str:
    """Send the confirmation of a finalized order to its contact again; returns the address."""
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
        message = confirmation_email(order)
        transaction.on_commit(lambda: _send(message, order.reference))
        return order.contact_email


def confirmation_email(order: Order) -> EmailMessage:
    lines = [
        f"  {line.position}. {line.description} — {format_amount(line.amount, line.currency)} {line.currency}"
        f" ({line.get_status_display().lower()})"
        for line in order.lines.order_by("position")
    ]
    status_page = settings.PUBLIC_BASE_URL + reverse("checkout:status", args=[order.order_key])
    body = "\n".join(
        [
            f"Hello {order.contact_name or 'there'},",
            "",
            f"this is the confirmation of your order {order.reference} with {order.partner.name}.",
            f"It is {order.get_status_display().lower()}.",
            "",
            *lines,
            "",
            f"Total: {format_amount(order.total_amount, order.currency)} {order.currency}",
            "",
            f"Your order's page, with your tickets once they are issued: {status_page}",
        ]
    )
    return EmailMessage(
        subject=f"Your order {order.reference}",
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[order.contact_email],
    )


def _send(message: EmailMessage, reference: str) -> None:
    try:
        message.send()
    except Exception:  # an unreachable mail server must not fail the commit that audited it
        logger.exception("the confirmation of order %s could not be sent", reference)
