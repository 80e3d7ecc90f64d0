"""The voucher stock in the back office: import codes from CSV, see them, block, unblock, revoke.

Codes never show, not even masked: a stock code is sealed until an order's delivery opens it into
the line's voucher, where the reveal rules apply. Imports go through
orders.stock_import.stock_import (all rows or none); actions go through the services of
orders.stock and are written to each code's admin history (and to its order's timeline,
for a code an order holds).
"""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html

from orders.stock import stock_codes_block, stock_codes_revoke, stock_codes_unblock, stock_products
from orders.stock_import import MAX_FILE_BYTES, StockImportRejected, stock_import
from suppliers.models import InventoryCode, InventoryImport, Product, StockSource
from tessera.actors import Actor
from tessera.admin_base import ReadOnlyModelAdmin
from tessera.errors import InvalidInput

PROBLEMS_SHOWN = 200


class StockImportForm(forms.Form):
    product = forms.ModelChoiceField(
        queryset=Product.objects.filter(stock_source=StockSource.INVENTORY).select_related("supplier"),
        help_text="Only products sold from Tessera's stock are listed.",
    )
    file = forms.FileField(
        label="CSV file",
        help_text=(
            "UTF-8, a header row, then one code per row. Columns: code (required), pin, valid_until "
            "(2027-12-31, or 2027-12-31T23:59:59Z). Commas or semicolons. Any problem and nothing is "
            "imported."
        ),
    )


class RevokeForm(forms.Form):
    reason = forms.CharField(max_length=255, help_text="Why these codes may never be sold or honoured.")


@admin.register(InventoryImport)
class InventoryImportAdmin(ReadOnlyModelAdmin):
    list_display = ["created_at", "product", "filename", "codes_imported", "imported_by"]
    list_select_related = ["product"]
    list_filter = [("product", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["filename"]

    def has_add_permission(self, request) -> bool:
        return request.user.has_perm("suppliers.add_inventoryimport")

    def add_view(self, request, form_url="", extra_context=None):
        """The import form: upload a CSV for a stock product; problems are listed by line."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = StockImportForm(request.POST or None, request.FILES or None)
        problems = []
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            product = form.cleaned_data["product"]
            try:
                batch = stock_import(
                    product_id=product.pk,
                    filename=upload.name,
                    content=upload.read(MAX_FILE_BYTES + 1),
                    actor=Actor.staff(request.user),
                )
            except StockImportRejected as exc:
                problems = exc.problems
            else:
                summary = f"Imported {batch.codes_imported} codes for {product} from {batch.filename}."
                self.log_addition(request, batch, summary)
                self.message_user(request, summary, messages.SUCCESS)
                return redirect("admin:suppliers_inventoryimport_changelist")
        context = {
            **self.admin_site.each_context(request),
            "title": "Import stock codes",
            "opts": self.model._meta,
            "form": form,
            "problems": problems[:PROBLEMS_SHOWN],
            "more_problems": max(0, len(problems) - PROBLEMS_SHOWN),
            "stock": stock_products().order_by("name"),
        }
        return TemplateResponse(request, "admin/suppliers/inventoryimport/import.html", context)


@admin.register(InventoryCode)
class InventoryCodeAdmin(ReadOnlyModelAdmin):
    list_display = [
        "id",
        "product",
        "status",
        "batch",
        "valid_until",
        "order",
        "allocated_at",
        "delivered_at",
    ]
    list_filter = ["status", ("product", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["product", "batch", "line__order"]
    search_fields = ["=id", "=line__order__reference"]
    search_help_text = "A code's id, or the reference of the order it went to."
    fields = [
        "id",
        "product",
        "batch",
        "status",
        "key_id",
        "valid_until",
        "order",
        "allocated_at",
        "delivered_at",
        "created_at",
        "updated_at",
    ]
    readonly_fields = ["order"]
    actions = ["block_codes", "unblock_codes", "revoke_codes"]

    def get_readonly_fields(self, request, obj=None):
        return self.fields

    def has_change_permission(self, request, obj=None) -> bool:
        # The actions need it; a code's page stays read-only (its status moves only by the actions).
        return obj is None and super().has_change_permission(request)

    @admin.display(description="order", ordering="line__order__reference")
    def order(self, code: InventoryCode) -> str:
        if not code.line_id:
            return "-"
        order = code.line.order
        url = reverse("admin:orders_order_change", args=[order.pk])
        return format_html('<a href="{}">{}</a> line {}', url, order.reference, code.line.position)

    @admin.action(description="Block the selected codes (take them off sale)", permissions=["change"])
    def block_codes(self, request, queryset):
        changed = stock_codes_block(code_ids=self._ids(queryset), actor=Actor.staff(request.user))
        self._report(request, queryset, changed, "Blocked", "AVAILABLE")

    @admin.action(description="Unblock the selected codes (put them back on sale)", permissions=["change"])
    def unblock_codes(self, request, queryset):
        changed = stock_codes_unblock(code_ids=self._ids(queryset), actor=Actor.staff(request.user))
        self._report(request, queryset, changed, "Unblocked", "BLOCKED")

    @admin.action(description="Revoke the selected codes for good…", permissions=["change"])
    def revoke_codes(self, request, queryset):
        """Asks for a reason first (an intermediate page), then revokes."""
        form = RevokeForm(request.POST if "reason" in request.POST else None)
        if form.is_bound and form.is_valid():
            try:
                changed = stock_codes_revoke(
                    code_ids=self._ids(queryset),
                    reason=form.cleaned_data["reason"],
                    actor=Actor.staff(request.user),
                )
            except InvalidInput as exc:
                self.message_user(request, exc.detail, messages.ERROR)
                return None
            self._report(request, queryset, changed, "Revoked", "AVAILABLE, BLOCKED or DELIVERED")
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": "Revoke stock codes",
            "opts": self.model._meta,
            "form": form,
            "codes": queryset.select_related("product"),
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/suppliers/inventorycode/revoke.html", context)

    @staticmethod
    def _ids(queryset) -> list[int]:
        return list(queryset.values_list("pk", flat=True))

    def _report(self, request, queryset, changed: list[InventoryCode], verb: str, sources: str) -> None:
        for code in changed:
            self.log_change(request, code, f"{verb} (now {code.status}).")
        skipped = queryset.count() - len(changed)
        self.message_user(request, f"{verb} {len(changed)} code(s).", messages.SUCCESS)
        if skipped:
            self.message_user(
                request,
                f"{skipped} code(s) left as they were: only {sources} codes can be changed so.",
                messages.WARNING,
            )
