"""The supply side in the back office: suppliers (settings with their secrets masked, "test
connection"), products, offers, and the sandbox supplier's own records."""

import time
from datetime import timedelta

from django import forms
from django.contrib import admin, messages
from django.utils.html import format_html_join
from django.utils.safestring import mark_safe

from suppliers.adapters import UnknownAdapter, adapter_for
from suppliers.adapters.base import SupplierError
from suppliers.bulkhead import calls_in_flight
from suppliers.models import Offer, Product, SandboxBooking, Supplier
from tessera.admin_base import ReadOnlyModelAdmin

SECRET_WORDS = ("secret", "password", "token", "key")
MASK = "••••••••"


def is_secret(name: str) -> bool:
    return any(word in name.lower() for word in SECRET_WORDS)


def masked(settings):
    """Settings as staff see them: the value of every key naming a secret replaced by MASK."""
    if isinstance(settings, dict):
        return {
            name: MASK if is_secret(name) and value else masked(value) for name, value in settings.items()
        }
    if isinstance(settings, list):
        return [masked(value) for value in settings]
    return settings


def unmasked(sent, stored):
    """What to save: the settings sent, where a secret still reading MASK keeps its stored value."""
    if isinstance(sent, dict):
        stored = stored if isinstance(stored, dict) else {}
        return {
            name: stored.get(name) if is_secret(name) and value == MASK else unmasked(value, stored.get(name))
            for name, value in sent.items()
        }
    return sent


class SupplierForm(forms.ModelForm):
    """Adapter settings with secrets masked: change a secret by typing a new value over the mask."""

    class Meta:
        model = Supplier
        fields = "__all__"
        help_texts = {
            "settings": "Adapter settings as JSON. Values of keys naming a secret, password, token or key "
            "are masked; leave the mask to keep a value, type over it to change it."
        }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial["settings"] = masked(self.instance.settings)

    def clean_settings(self):
        return unmasked(self.cleaned_data["settings"], self.instance.settings if self.instance.pk else {})


@admin.action(description="Test the connection", permissions=["view"])
def test_connection(modeladmin, request, queryset) -> None:
    """Ask each chosen supplier's adapter to answer (``ping``), changing nothing; report the time."""
    for supplier in queryset.order_by("name")[:50]:
        started = time.monotonic()
        try:
            answer = adapter_for(supplier).ping()
        except (SupplierError, UnknownAdapter) as exc:
            messages.error(request, f"{supplier}: no connection — {exc}")
        else:
            elapsed = (time.monotonic() - started) * 1000
            messages.success(request, f"{supplier}: {answer} ({elapsed:.0f} ms)")


class ProductInline(admin.TabularInline):
    model = Product
    extra = 0
    fields = ["name", "kind", "supplier_reference", "price", "currency", "delivery", "is_active"]
    show_change_link = True


@admin.register(Supplier)
class SupplierAdmin(admin.ModelAdmin):
    form = SupplierForm
    actions = [test_connection]
    list_display = [
        "name",
        "slug",
        "kind",
        "adapter",
        "supports_exchange",
        "max_concurrent_calls",
        "breaker",
        "is_active",
    ]
    readonly_fields = ["breaker", "calls_now", "recent_events"]
    fieldsets = [
        (None, {"fields": ["name", "slug", "kind", "adapter", "settings", "supports_exchange", "is_active"]}),
        (
            "Bulkhead and timeouts",
            {
                "fields": [
                    "max_concurrent_calls",
                    "calls_now",
                    "connect_timeout_seconds",
                    "read_timeout_seconds",
                ]
            },
        ),
        (
            "Circuit breaker",
            {"fields": ["breaker", "breaker_failure_threshold", "breaker_cooldown_seconds", "recent_events"]},
        ),
    ]
    list_filter = ["kind", "adapter", "is_active"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [ProductInline]

    @admin.display(description="Breaker")
    def breaker(self, supplier: Supplier) -> str:
        if supplier.breaker_opened_at is None:
            failures = supplier.breaker_failures
            return (
                f"closed ({failures} failure{'s' if failures != 1 else ''} in a row)"
                if failures
                else "closed"
            )
        probe_at = supplier.breaker_opened_at + timedelta(seconds=supplier.breaker_cooldown_seconds)
        since = f"{supplier.breaker_opened_at:%Y-%m-%d %H:%M:%S}"
        return (
            f"OPEN since {since} UTC after {supplier.breaker_failures} failures: "
            f"calls held back, lines wait; probe from {probe_at:%H:%M:%S} UTC"
        )

    @admin.display(description="Calls in flight now")
    def calls_now(self, supplier: Supplier) -> int:
        return calls_in_flight(supplier_id=supplier.pk) if supplier.pk else 0

    @admin.display(description="Breaker history")
    def recent_events(self, supplier: Supplier) -> str:
        if not supplier.pk:
            return "-"
        rows = supplier.events.all()[:10]
        return (
            format_html_join(
                mark_safe("<br>"),  # noqa: S308 - a constant
                "{} UTC {} {}",
                (
                    (event.created_at.strftime("%Y-%m-%d %H:%M:%S"), event.name, event.payload)
                    for event in rows
                ),
            )
            or "none"
        )


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "supplier",
        "kind",
        "supplier_reference",
        "price",
        "currency",
        "delivery",
        "starts_at",
        "is_active",
    ]
    list_filter = ["kind", "delivery", "is_active", "supplier"]
    list_select_related = ["supplier"]
    search_fields = ["name", "=supplier_reference"]


@admin.register(Offer)
class OfferAdmin(ReadOnlyModelAdmin):
    list_display = [
        "id",
        "partner",
        "product",
        "quantity",
        "total_amount",
        "currency",
        "expires_at",
        "used_at",
    ]
    list_select_related = ["partner", "product"]
    list_filter = ["currency"]
    search_fields = ["=id"]
    raw_id_fields = ["partner", "product"]


@admin.register(SandboxBooking)
class SandboxBookingAdmin(ReadOnlyModelAdmin):
    list_display = [
        "booking_ref",
        "line_key",
        "state",
        "reserve_calls",
        "issue_calls",
        "reserved_at",
        "issue_accepted_at",
    ]
    list_filter = ["state"]
    search_fields = ["=booking_ref", "=line_key"]
