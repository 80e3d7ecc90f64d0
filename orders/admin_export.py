"""CSV export of the order list as filtered and searched on screen, streamed and bounded.

The export runs the list's own filters and search (its ChangeList), so what staff see is what
they get, newest first. It writes at most ``EXPORT_LIMIT`` orders (the list's count cap): a wider
selection is refused with a message asking for a narrower filter, before anything is streamed.
Rows are streamed (StreamingHttpResponse) as the database hands them over in chunks, so neither
the server nor the database holds the whole file.
"""

import csv
from collections.abc import Iterator

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect, StreamingHttpResponse
from django.urls import path, reverse
from django.utils import timezone

from orders.models import Order
from tessera.admin_base import COUNT_CAP
from tessera.money import format_amount

EXPORT_LIMIT = COUNT_CAP
COLUMNS = [
    "reference",
    "id",
    "partner",
    "status",
    "payment method",
    "total",
    "currency",
    "customer",
    "email",
    "external reference",
    "created at (UTC)",
    "finalized at (UTC)",
]


class _Echo:
    """A file-like object that hands back what is written: csv.writer writes one row at a time."""

    def write(self, value: str) -> str:
        return value


def _utc(value) -> str:
    return value.astimezone(timezone.UTC).strftime("%Y-%m-%d %H:%M:%S") if value else ""


def _row(order: Order) -> list[str]:
    return [
        order.reference,
        str(order.pk),
        order.partner.name,
        order.status,
        order.payment_method,
        format_amount(order.total_amount, order.currency),
        order.currency,
        order.contact_name,
        order.contact_email,
        order.external_reference,
        _utc(order.created_at),
        _utc(order.finalized_at),
    ]


def csv_rows(orders) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield writer.writerow(COLUMNS)
    for order in orders.iterator(chunk_size=1000):
        yield writer.writerow(_row(order))


class OrderExportMixin:
    """Adds ``export.csv`` beside the order list; its button carries the list's filters along."""

    def get_urls(self):
        export = path("export.csv", self.admin_site.admin_view(self.export_view), name="orders_order_export")
        return [export, *super().get_urls()]

    def export_view(self, request):
        if not self.has_view_permission(request):
            raise PermissionDenied
        changelist = self.get_changelist_instance(request)
        orders = changelist.queryset.select_related("partner")
        if orders.order_by()[: EXPORT_LIMIT + 1].count() > EXPORT_LIMIT:
            messages.error(
                request,
                f"More than {EXPORT_LIMIT:,} orders match: nothing was exported. Narrow the list "
                "(a status, a partner, a date range) to at most that many and export again.",
            )
            return HttpResponseRedirect(
                reverse("admin:orders_order_changelist") + changelist.get_query_string()
            )
        stamp = timezone.now().strftime("%Y%m%d-%H%M")
        response = StreamingHttpResponse(
            csv_rows(orders[:EXPORT_LIMIT]), content_type="text/csv; charset=utf-8"
        )
        response["Content-Disposition"] = f'attachment; filename="orders-{stamp}.csv"'
        return response
