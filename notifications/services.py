"""Sending a customer e-mail once per event: decide, claim, render, send, mark sent."""

import logging
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone, translation

from checkout.links import customer_url
from notifications.models import EmailKind, SentEmail
from orders.models import Order, OrderLine
from orders.statuses import BillingMode
from payments.models import Refund
from tessera.local_time import local_datetime

logger = logging.getLogger(__name__)

CLAIM_EXPIRY = timedelta(minutes=5)


def emails_customers(order: Order) -> bool:
    """Customers of hosted checkout (who pay on Tessera's page, before the order is finalized)
    are always e-mailed; a partner's only when it turned it on."""
    if order.partner.customer_emails or order.payment_method == BillingMode.GATEWAY:
        return True
    return order.payments.filter(method=BillingMode.GATEWAY).exists()


def owes_emails(order_id) -> bool:
    """Whether the order's customer is e-mailed at all: has a contact address and is a customer the
    partner e-mails (or of hosted checkout). Asked when the event is recorded, so that an order
    nobody e-mails queues no task: one read instead of a task per e-mail."""
    order = Order.objects.select_related("partner").filter(pk=order_id).exclude(contact_email="").first()
    return order is not None and emails_customers(order)


def customer_email_send(*, order_id, kind: str, event_key: str, forced: bool = False) -> str:
    """Send the e-mail of ``kind`` for ``event_key`` to the order's contact unless it went
    already; ``forced`` (a staff member asked) sends whatever the partner's setting. Raises
    what the mail server raised, so the task retries; returns what happened."""
    order = Order.objects.select_related("partner").get(pk=order_id)
    if not order.contact_email:
        return "no contact e-mail"
    if not forced and not emails_customers(order):
        return "the partner does not e-mail its customers"
    with transaction.atomic():
        record, _ = SentEmail.objects.get_or_create(
            order=order, kind=kind, event_key=event_key, defaults={"to": order.contact_email}
        )
    now = timezone.now()
    claimed = SentEmail.objects.filter(
        Q(claimed_at__isnull=True) | Q(claimed_at__lt=now - CLAIM_EXPIRY), pk=record.pk, sent_at__isnull=True
    ).update(claimed_at=now)
    if not claimed:
        return "already sent"
    try:
        customer_email(order, kind, event_key, to=record.to).send()
    except Exception:
        SentEmail.objects.filter(pk=record.pk).update(claimed_at=None)
        raise
    SentEmail.objects.filter(pk=record.pk).update(sent_at=timezone.now())
    logger.info("sent the %s e-mail of order %s", kind, order.reference)
    return "sent"


@dataclass(frozen=True)
class EmailLine:
    line: OrderLine
    when: str  # the event's or departure's own clock, in the customer's language; "" without a time


def customer_email(order: Order, kind: str, event_key: str, *, to: str) -> EmailMultiAlternatives:
    """The e-mail, text and HTML, from templates/emails/<kind>.{txt,html}, in the order's
    language with times on each event's clock: what the order is and where the customer's
    page is, never a voucher's code, PIN or link."""
    with translation.override(order.language):
        return _rendered(order, kind, event_key, to=to)


def _rendered(order: Order, kind: str, event_key: str, *, to: str) -> EmailMultiAlternatives:
    lines = order.lines.select_related("product").order_by("position")
    context = {
        "LANGUAGE_CODE": order.language,
        "order": order,
        "partner_name": order.partner.name,
        "lines": [EmailLine(line, local_datetime(line.starts_at, line.product.zone)) for line in lines],
        "status_url": customer_url("status", order.order_key),
        "checkout_url": customer_url("page", order.order_key),
    }
    if kind == EmailKind.REFUND_PROCESSED:
        context["refund"] = Refund.objects.get(pk=event_key.split(":")[1])
    subject = render_to_string(f"emails/{kind}_subject.txt", context).strip()
    message = EmailMultiAlternatives(
        subject=subject,
        body=render_to_string(f"emails/{kind}.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[to],
    )
    message.attach_alternative(render_to_string(f"emails/{kind}.html", context), "text/html")
    return message
