"""Hosted checkout: a partner opens it for an order, and the customer comes back from the provider."""

import logging
from urllib.parse import quote, urlsplit

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.utils import timezone

from orders.locks import lock_lines, lock_order
from orders.models import Order, OrderLine, Voucher
from orders.services.reveal import CUSTOMER_PAGE, is_revealable, vouchers_reveal
from orders.statuses import LineStatus
from payments import events
from payments.models import TICKETS_STATUSES, Checkout, Payment
from payments.providers import get_provider
from payments.providers.base import PaymentState, ProviderError
from payments.services.finalization import check_payable
from payments.services.gateway import CUSTOMER, OPEN_STATUSES, check_gateway_allowed, payment_apply_state
from tessera.actors import Actor
from tessera.errors import InvalidInput

logger = logging.getLogger(__name__)

MAX_RETURN_URL_LENGTH = 1000
LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})


def checkout_open(*, order_id, partner_id: int, return_url: str, actor: Actor) -> Checkout:
    """Let the order's customer pay on Tessera's checkout page, then go back to ``return_url``.

    Allowed for a gateway partner's PENDING, unexpired order whose lines are all RESERVED.
    Opening it again changes the return URL and nothing else.
    """
    url = validate_return_url(return_url)
    with transaction.atomic():
        order = lock_order(order_id, partner_id=partner_id)
        check_gateway_allowed(order)
        check_payable(order, lock_lines(order), timezone.now())
        checkout, created = Checkout.objects.update_or_create(order=order, defaults={"return_url": url})
        (events.checkout_opened if created else events.checkout_updated)(checkout, actor=actor)
    checkout.order = order
    return checkout


def validate_return_url(url: str) -> str:
    """An absolute https URL (http only for localhost), without credentials."""
    url = url.strip()
    message = "Give an absolute https URL (http is allowed only for localhost and 127.0.0.1)."
    if len(url) > MAX_RETURN_URL_LENGTH:
        raise InvalidInput(
            "returnUrl is too long.", errors={"returnUrl": [f"At most {MAX_RETURN_URL_LENGTH} characters."]}
        )
    try:
        URLValidator(schemes=["https", "http"])(url)
        parts = urlsplit(url)
    except (ValidationError, ValueError):
        raise InvalidInput("returnUrl is not a URL.", errors={"returnUrl": [message]}) from None
    secure = parts.scheme == "https" or parts.hostname in LOCAL_HOSTS
    if not secure or parts.username or parts.password:
        raise InvalidInput("returnUrl must be https.", errors={"returnUrl": [message]})
    return url


def checkout_return(*, order: Order) -> str:
    """The customer is back from the provider: ask the provider, apply its answer, and give the
    partner's return URL with ``return=<order_key>`` added. What the browser brings is ignored."""
    payment = Payment.objects.filter(order=order, status__in=OPEN_STATUSES).order_by("-created_at").first()
    if payment is not None:
        try:
            state = get_provider(payment.provider).payment_status(payment)
        except ProviderError as exc:
            logger.warning("status of payment %s on return failed: %s", payment.pk, exc)
        else:
            if state != PaymentState.PENDING:
                payment_apply_state(payment_id=payment.pk, state=state, actor=CUSTOMER, source="return")
    return with_return_key(order.checkout.return_url, order.order_key)


def with_return_key(url: str, order_key: str) -> str:
    """``url`` with ``return=<order_key>`` appended to its query, which is otherwise kept as is."""
    base, hash_mark, fragment = url.partition("#")
    if "?" not in base:
        base += "?"
    elif not base.endswith(("?", "&")):
        base += "&"
    return f"{base}return={quote(order_key, safe='')}{hash_mark}{fragment}"


def tickets_reveal(*, order: Order, lines: list[OrderLine], actor: Actor) -> list[dict]:
    """The customer's tickets: a paid order's ISSUED lines, with the codes of their ACTIVE vouchers
    opened through orders.services.reveal (one audit event per voucher shown).

    Nothing opens for an order that is not paid (or fully refunded); lines that are not ISSUED are
    left out; a revoked voucher is listed without its secrets.
    """
    if not Payment.objects.filter(order=order, status__in=TICKETS_STATUSES).exists():
        return []
    tickets = []
    for line in lines:
        if line.status != LineStatus.ISSUED:
            continue
        try:
            voucher = line.voucher
        except Voucher.DoesNotExist:
            voucher = None
        tickets.append({"line": line, "voucher": voucher})
    shown = [
        ticket["voucher"] for ticket in tickets if ticket["voucher"] and is_revealable(ticket["voucher"])
    ]
    secrets = {
        item.voucher.pk: item.secrets
        for item in vouchers_reveal(vouchers=shown, actor=actor, channel=CUSTOMER_PAGE)
    }
    for ticket in tickets:
        voucher = ticket["voucher"]
        ticket.update(secrets.get(voucher.pk, {}) if voucher else {})
    return tickets
