"""Absolute URLs of an order's customer pages, as partners and providers see them."""

from functools import cache
from urllib.parse import quote

from django.conf import settings
from django.urls import reverse
from django.utils.http import RFC3986_SUBDELIMS

from orders.models import Order
from orders.statuses import LineStatus
from payments.models import PAID_STATUSES, TICKETS_STATUSES, Checkout

KEY_MARK = "ORDERKEY"


def customer_url(name: str, order_key: str) -> str:
    before, after = _path_around_key(name)
    return settings.PUBLIC_BASE_URL + before + quote(order_key, safe=RFC3986_SUBDELIMS + "/~:@") + after


@cache
def _path_around_key(name: str) -> tuple[str, str]:
    """The customer page's path before and after its order key, reversed once per process:
    reverse() for every order took a quarter of the time to render a list of orders."""
    before, _, after = reverse(f"checkout:{name}", args=[KEY_MARK]).partition(KEY_MARK)
    return before, after


def customer_links(order: Order) -> dict:
    """The customer's pages of an order (payments, lines and checkout prefetched): each link is
    null until the page has something to show."""
    key = order.order_key
    statuses = {payment.status for payment in order.payments.all()}
    issued = any(line.status == LineStatus.ISSUED for line in order.lines.all())
    try:
        has_checkout = order.checkout is not None
    except Checkout.DoesNotExist:
        has_checkout = False
    return {
        "orderKey": key,
        "checkout": customer_url("page", key) if has_checkout else None,
        "status": customer_url("status", key),
        "tickets": customer_url("tickets", key) if issued and statuses & TICKETS_STATUSES else None,
        "receipt": customer_url("receipt", key) if statuses & PAID_STATUSES else None,
    }
