"""Filters and search of the order list, each answered from an index at a million orders."""

import uuid

from django.contrib import admin
from django.db.models import Q, QuerySet

from orders.models import Order, OrderLine
from suppliers.models import Supplier


class SupplierFilter(admin.SimpleListFilter):
    """Orders with at least one line from a supplier.

    A semi-join on ``line_order_supplier`` (order, supplier): the list walks orders newest first
    and probes the index for each, stopping once the page is full; no join multiplies the rows.
    """

    title = "supplier"
    parameter_name = "supplier"

    def lookups(self, request, model_admin):
        return list(Supplier.objects.order_by("name").values_list("pk", "name"))

    def queryset(self, request, queryset):
        value = self.value()
        if not value:
            return queryset
        if not value.isdecimal():
            return queryset.none()
        return queryset.filter(pk__in=OrderLine.objects.filter(supplier_id=int(value)).values("order_id"))


def search_orders(queryset: QuerySet[Order], term: str) -> QuerySet[Order]:
    """Orders whose id, reference, external reference, contact email or a line's supplier booking
    reference is exactly ``term``.

    Each comparison uses an index: the primary key; the unique ``reference`` (references are
    upper case, so the term is too); ``order_extref``; the contact email, stored lower-cased by
    the services, compared with the term lower-cased; and the lines' ``supplier_booking_ref``
    index, read first into a short list of order ids. The database combines them with a
    BitmapOr, so one search is a handful of index probes, never a scan.
    """
    term = term.strip()
    if not term:
        return queryset
    try:
        return queryset.filter(pk=uuid.UUID(term))
    except ValueError:
        pass
    booked = list(
        OrderLine.objects.filter(supplier_booking_ref=term)
        .values_list("order_id", flat=True)
        .distinct()[:100]
    )
    matches = (
        Q(reference=term.upper())
        | Q(external_reference=term)
        | Q(contact_email=term.lower())
        | Q(pk__in=booked)
    )
    return queryset.filter(matches)
