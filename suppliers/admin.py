"""The supply side in the back office: suppliers (settings with their secrets masked, "test
connection"), products, offers, and the sandbox supplier's own records."""

import time

from django import forms
from django.contrib import admin, messages

from suppliers.adapters import UnknownAdapter, adapter_for
from suppliers.adapters.base import SupplierError
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
    list_display = ["name", "slug", "kind", "adapter", "is_active"]
    list_filter = ["kind", "adapter", "is_active"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [ProductInline]


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
