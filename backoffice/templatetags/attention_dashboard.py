"""``{% attention_dashboard %}``: the admin index's figures of what waits for a person.

Each figure comes from a selector in backoffice.attention (one query each, whatever the size of the
tables) and links to the list it counts, filtered. A figure shows only to staff who may see that
list.
"""

from urllib.parse import urlencode

from django import template
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from backoffice import attention
from orders.statuses import OrderStatus
from orders.stock import low_stock_products
from payments.selectors import wallets_running_low
from suppliers.selectors import open_breakers
from tessera.money import format_amount

register = template.Library()

WALLETS_SHOWN = 5


def _url(name: str, **params) -> str:
    return reverse(name) + ("?" + urlencode(params) if params else "")


def _orders(**params) -> str:
    return _url("admin:orders_order_changelist", **params)


@register.inclusion_tag("admin/attention_dashboard.html", takes_context=True)
def attention_dashboard(context) -> dict:
    user = context["request"].user
    now = timezone.now()
    figures = {}
    if user.has_perm("orders.view_order"):
        today = now.date().isoformat()
        by_status = attention.todays_orders_by_status(now)
        figures["today"] = [
            (
                status.label,
                by_status.get(status.value, 0),
                _orders(status__exact=status.value, created_at__from=today, created_at__to=today),
            )
            for status in OrderStatus
        ]
        figures["today_total"] = (
            sum(by_status.values()),
            _orders(created_at__from=today, created_at__to=today),
        )
        figures["waiting"] = [
            (
                f"PROCESSING for more than {settings.ATTENTION_PROCESSING_MINUTES} minutes",
                attention.stuck_processing(now).count(),
                _orders(attention=attention.STUCK.key),
            ),
            (
                "lines UNKNOWN: the supplier did not answer",
                attention.unknown_lines().count(),
                _orders(attention=attention.UNKNOWN.key),
            ),
            (
                "lines FAILED in the last 24 hours",
                attention.recently_failed_lines(now).count(),
                _orders(attention=attention.FAILED.key),
            ),
            (
                f"PENDING orders expiring within {settings.ATTENTION_EXPIRING_MINUTES} minutes",
                attention.expiring_soon(now).count(),
                _orders(attention=attention.EXPIRING.key),
            ),
        ]
    if user.has_perm("payments.view_refund"):
        figures["owed"] = (
            attention.refunds_owing_money().count(),
            _url("admin:payments_refund_changelist", owed="yes"),
        )
    if user.has_perm("payments.view_wallet"):
        low = list(wallets_running_low()[: WALLETS_SHOWN + 1])
        figures["wallets"] = {
            "shown": [
                (
                    str(wallet),
                    f"{format_amount(wallet.available, wallet.currency)} {wallet.currency} available",
                    reverse("admin:payments_wallet_change", args=[wallet.pk]),
                )
                for wallet in low[:WALLETS_SHOWN]
            ],
            "more": len(low) > WALLETS_SHOWN,
            "url": _url("admin:payments_wallet_changelist", low="yes"),
        }
    if user.has_perm("suppliers.view_inventorycode"):
        figures["stock"] = [
            (
                product.name,
                product.available,
                product.low_stock_threshold,
                _url(
                    "admin:suppliers_inventorycode_changelist",
                    product__id__exact=product.pk,
                    status__exact="AVAILABLE",
                ),
            )
            for product in low_stock_products()
        ]
    if user.has_perm("suppliers.view_supplier"):
        figures["breakers"] = [
            (
                str(breaker.supplier),
                breaker.since,
                breaker.probe_due_at,
                reverse("admin:suppliers_supplier_change", args=[breaker.supplier.pk]),
            )
            for breaker in open_breakers()
        ]
    return {"figures": figures, "now": now}
