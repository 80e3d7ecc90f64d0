"""Partners (billing modes, rate limit) and their API keys (shown once at creation, revoked)."""

from django import forms
from django.contrib import admin, messages
from django.urls import reverse
from django.utils.html import format_html

from orders.models import ApiKey, Partner
from orders.services.api_keys import api_key_create, api_key_revoke
from tessera.actors import Actor
from tessera.admin_base import ReadOnlyInline
from tessera.api.throttling import parse_partner_rate


class PartnerForm(forms.ModelForm):
    class Meta:
        model = Partner
        fields = "__all__"

    def clean_rate_limit(self) -> str:
        rate = self.cleaned_data["rate_limit"].strip()
        if rate:
            try:
                parse_partner_rate(rate)
            except ValueError as exc:
                raise forms.ValidationError(str(exc)) from exc
        return rate


class ApiKeyInline(ReadOnlyInline):
    model = ApiKey
    fields = ["name", "masked", "created_at", "last_used_at", "revoked_at"]
    readonly_fields = fields
    show_change_link = True
    verbose_name_plural = "API keys (add one from the API keys list; the key is shown once)"

    @admin.display(description="key")
    def masked(self, key: ApiKey) -> str:
        return masked_key(key)


def masked_key(key: ApiKey) -> str:
    return f"tsk_{key.prefix}_••••" if key.prefix else "shown once, after saving"


@admin.register(Partner)
class PartnerAdmin(admin.ModelAdmin):
    form = PartnerForm
    list_display = [
        "name",
        "slug",
        "currency",
        "allows_wallet",
        "allows_invoice",
        "allows_gateway",
        "rate",
        "is_active",
    ]
    list_filter = ["is_active", "allows_wallet", "allows_invoice", "allows_gateway"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    fieldsets = [
        (None, {"fields": ["name", "slug", "currency", "is_active"]}),
        ("Billing modes", {"fields": ["allows_wallet", "allows_invoice", "allows_gateway"]}),
        (
            "Seller on customers' receipts",
            {"fields": ["seller_name", "seller_address", "seller_vat_number"]},
        ),
        ("Partner API", {"fields": ["rate_limit", "new_key"]}),
        ("Customers", {"fields": ["customer_emails"]}),
    ]
    readonly_fields = ["new_key"]
    inlines = [ApiKeyInline]

    @admin.display(description="rate limit")
    def rate(self, partner: Partner) -> str:
        return partner.rate_limit or "default"

    @admin.display(description="API keys")
    def new_key(self, partner: Partner) -> str:
        if partner.pk is None:
            return "Save the partner first."
        url = reverse("admin:orders_apikey_add") + f"?partner={partner.pk}"
        return format_html('<a href="{}">Create an API key…</a> (shown once)', url)

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # a partner with orders stays; set it inactive instead


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    """Keys are created here (shown once, in the confirmation message) and revoked, never edited."""

    list_display = ["partner", "name", "masked", "created_at", "last_used_at", "revoked_at"]
    list_filter = ["partner"]
    list_select_related = ["partner"]
    search_fields = ["=prefix", "name", "partner__name"]
    fields = ["partner", "name", "masked", "created_at", "last_used_at", "revoked_at"]
    readonly_fields = ["masked", "created_at", "last_used_at", "revoked_at"]
    autocomplete_fields = ["partner"]
    actions = ["revoke"]

    @admin.display(description="key")
    def masked(self, key: ApiKey) -> str:
        return masked_key(key)

    def get_readonly_fields(self, request, obj=None):
        return [*self.readonly_fields, "partner", "name"] if obj else self.readonly_fields

    def save_model(self, request, obj: ApiKey, form, change: bool) -> None:
        if change:
            return
        key, raw_key = api_key_create(partner=obj.partner, name=obj.name, actor=Actor.staff(request.user))
        obj.pk, obj.prefix, obj.created_at = key.pk, key.prefix, key.created_at
        messages.warning(
            request, f"New API key for {key.partner}: {raw_key} — copy it now, it is not shown again."
        )

    @admin.action(description="Revoke selected API keys")
    def revoke(self, request, queryset) -> None:
        for key in queryset.filter(revoked_at__isnull=True):
            api_key_revoke(key_id=key.pk, actor=Actor.staff(request.user))
        messages.success(request, "Revoked.")

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
