from django.contrib import admin

from suppliers.models import Offer, Product, SandboxBooking, Supplier
from tessera.admin_base import ReadOnlyModelAdmin


class ProductInline(admin.TabularInline):
    model = Product
    extra = 0
    fields = ["name", "kind", "supplier_reference", "price", "currency", "delivery", "is_active"]
    show_change_link = True


@admin.register(Supplier)
class SupplierAdmin(admin.ModelAdmin):
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
