"""Filters and search of the order list, each answered from an index at a million orders."""

import uuid

from django.contrib import admin
from django.db import connection
from django.db.models import Q, QuerySet
from django.db.models.functions import Upper

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


PARTIAL_MIN_LENGTH = 3


def search_orders(queryset: QuerySet[Order], term: str) -> QuerySet[Order]:
    """Orders whose id, reference, external reference, contact email or a line's supplier booking
    reference is ``term`` (case ignored); failing that, on PostgreSQL, orders whose customer's
    name or email contains it.

    Each exact comparison uses an index: the primary key; the unique ``reference`` (references
    are upper case, so the term is too); ``order_extref_upper`` on the upper-cased external
    reference; the contact email, stored lower-cased by the services, compared with the term
    lower-cased; and ``line_booking_ref_upper``, read first into a short list of order ids. The
    database combines them with a BitmapOr, a handful of index probes.

    Only when nothing matches exactly does a term of three characters or more look inside names
    and emails, through the trigram indexes of migration 0013 (PostgreSQL only: SQLite would
    read every order). An exact hit never pays for a trigram search.
    """
    term = term.strip()
    if not term:
        return queryset
    try:
        return queryset.filter(pk=uuid.UUID(term))
    except ValueError:
        pass
    booked = list(
        OrderLine.objects.alias(booking_ref=Upper("supplier_booking_ref"))
        .filter(booking_ref=term.upper())
        .order_by()  # a line's default order joins its order: the ids alone need no join
        .values_list("order_id", flat=True)
        .distinct()[:100]
    )
    exact = queryset.alias(extref=Upper("external_reference")).filter(
        Q(reference=term.upper()) | Q(extref=term.upper()) | Q(contact_email=term.lower()) | Q(pk__in=booked)
    )
    if len(term) < PARTIAL_MIN_LENGTH or connection.vendor != "postgresql" or exact.exists():
        return exact
    return queryset.alias(name=Upper("contact_name")).filter(
        Q(name__contains=term.upper()) | Q(contact_email__contains=term.lower())
    )
