"""Admin building blocks for records the lifecycle owns: staff read them, services write them."""

from operator import attrgetter

from django.contrib import admin
from django.contrib.admin.options import ShowFacets
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import models
from django.utils.functional import cached_property
from django.utils.html import format_html

from tessera.money import DECIMAL_PLACES, format_amount

COUNT_CAP = 10_000


class CappedCount(int):
    """A count that stopped at the cap: it compares as cap + 1 and reads "10,000+" on the page."""

    def __str__(self) -> str:
        return f"{self - 1:,}+"


class CappedPaginator(Paginator):
    """Counts at most ``COUNT_CAP`` + 1 matching rows, so no page of a big list pays for a full
    COUNT; pages reach the first 10,000 matches (the partner API's lists stop there too)."""

    @cached_property
    def count(self) -> int:
        counted = self.object_list.order_by()[: COUNT_CAP + 1].count()
        return CappedCount(counted) if counted > COUNT_CAP else counted


def money(field: str, *, currency: str = "currency", label: str | None = None):
    """A column showing ``field`` as money in its currency ("50.00 EUR"), sortable by the field."""
    read_currency = attrgetter(currency)

    @admin.display(description=label or field.replace("_", " "), ordering=field)
    def show(obj) -> str:
        value = getattr(obj, field)
        if value is None:
            return "-"
        code = read_currency(obj)
        return f"{format_amount(value, code)} {code}"

    return show


STATUS_COLOURS = {
    # waiting
    "PENDING": "#8a6d00",
    "RESERVING": "#8a6d00",
    "REQUESTED": "#8a6d00",
    "CREATED": "#8a6d00",
    "OPEN": "#8a6d00",
    # moving
    "PROCESSING": "#0b5cad",
    "RESERVED": "#0b5cad",
    "ISSUING": "#0b5cad",
    # done
    "FULFILLED": "#1e7b34",
    "ISSUED": "#1e7b34",
    "PAID": "#1e7b34",
    "SUCCEEDED": "#1e7b34",
    "ACTIVE": "#1e7b34",
    "CLOSED": "#1e7b34",
    # partly
    "PARTIALLY_FULFILLED": "#7a5c00",
    "PARTIALLY_REFUNDED": "#6b4fa3",
    "REFUNDED": "#6b4fa3",
    # ended
    "CANCELED": "#555",
    "EXPIRED": "#555",
    "RELEASED": "#555",
    "REVOKED": "#555",
    # needs a look
    "FAILED": "#b00020",
    "UNKNOWN": "#b00020",
}


def status_badge(status: str) -> str:
    """A status as a coloured label (the words stay, so the colour is never the only cue)."""
    return format_html(
        '<span class="status-badge" style="color:#fff;background:{};padding:2px 6px;border-radius:3px;'
        'font-size:11px;white-space:nowrap">{}</span>',
        STATUS_COLOURS.get(status, "#333"),
        status,
    )


def badge(field: str = "status", *, label: str = "status"):
    """A list or page column showing ``field`` as a status badge, sortable by it."""

    @admin.display(description=label, ordering=field)
    def show(obj) -> str:
        return status_badge(getattr(obj, field))

    return show


class ReadOnlyModelAdmin(admin.ModelAdmin):
    """Every field shown read-only, no adding or deleting; lists skip the full COUNT, count at
    most 10,000 matches and never compute facet counts (each would scan the table)."""

    show_full_result_count = False
    show_facets = ShowFacets.NEVER
    paginator = CappedPaginator
    # Where a record's amounts find their currency; its amounts then read "120.00 EUR", not the
    # column's three decimals.
    money_currency = "currency"

    @cached_property
    def money_fields(self) -> dict:
        """The model's money fields, each mapped to a column that prints it in its currency."""
        head = self.money_currency.split(".")[0]
        if head not in {field.name for field in self.model._meta.fields}:
            return {}
        return {
            field.name: money(field.name, currency=self.money_currency, label=str(field.verbose_name))
            for field in self.model._meta.fields
            if isinstance(field, models.DecimalField) and field.decimal_places == DECIMAL_PLACES
        }

    def get_fields(self, request, obj=None):
        shown = [self.money_fields.get(name, name) for name in super().get_fields(request, obj)]
        return list(dict.fromkeys(shown))

    def changelist_view(self, request, extra_context=None):
        """Without the app sidebar: a list's columns then fit a 13-inch laptop (1366 px)."""
        return super().changelist_view(request, {**(extra_context or {}), "is_nav_sidebar_enabled": False})

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        """The page shows the record; nothing is saved from it (a save would write the whole row
        back, stale, beside the services' locks). Changes are its actions and transitions."""
        if request.method == "POST":
            raise PermissionDenied("This record is read-only here; use its actions.")
        read_only = {"show_save": False, "show_save_and_continue": False, "show_save_and_add_another": False}
        return super().changeform_view(request, object_id, form_url, {**(extra_context or {}), **read_only})

    def get_readonly_fields(self, request, obj=None):
        names = [field.name for field in self.model._meta.fields]
        return names + list(self.money_fields.values()) + list(self.readonly_fields)

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
