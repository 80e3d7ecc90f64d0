"""Wallets in the back office: balance, the latest ledger entries, and a top-up with a reason.

A top-up goes through ``wallet_top_up`` as the staff member: one immutable ledger entry (actor,
reason as its memo, correlation id) is its audit record, and the admin's history logs it too.
A hidden key makes the form's top-up happen once however often it is sent (a double click).
It needs ``payments.add_ledgerentry``: adding money to a wallet is adding a ledger entry.
"""

import re
import uuid
from decimal import Decimal

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join

from payments.models import Wallet
from payments.selectors import ledger_of, wallets_running_low
from payments.services.wallets import wallet_top_up
from tessera.actors import Actor
from tessera.admin_display import staff_time
from tessera.errors import TesseraError
from tessera.money import format_amount, parse_exact

TOP_UP_PERMISSION = "payments.add_ledgerentry"
LEDGER_SHOWN = 50


class TopUpForm(forms.Form):
    amount = forms.DecimalField(min_value=Decimal("0.01"), max_digits=12, decimal_places=3)
    reason = forms.CharField(
        max_length=255,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Why: e.g. the partner's bank transfer and its reference. Kept on the ledger entry.",
    )
    key = forms.CharField(widget=forms.HiddenInput)

    def __init__(self, *args, currency: str, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.currency = currency
        self.fields["amount"].label = f"Amount ({currency})"

    def clean_amount(self) -> Decimal:
        try:
            return parse_exact(self.cleaned_data["amount"], self.currency)
        except ValueError as exc:
            raise ValidationError(str(exc)) from exc

    def clean_key(self) -> str:
        key = self.cleaned_data["key"]
        if not re.fullmatch(r"[0-9a-f]{32}", key):
            raise ValidationError("The form is damaged; open it again.")
        return key


class LowBalanceFilter(admin.SimpleListFilter):
    title = "balance"
    parameter_name = "low"

    def lookups(self, request, model_admin):
        return [("yes", "Running low")]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(pk__in=wallets_running_low().values("pk"))
        return queryset


class WalletTopUpMixin:
    """The wallet page's "Top up…" button and form, and its latest ledger entries."""

    def has_top_up_permission(self, request) -> bool:
        return request.user.has_perm(TOP_UP_PERMISSION)

    def get_urls(self):
        top_up = path(
            "<int:object_id>/top-up/",
            self.admin_site.admin_view(self.top_up_view),
            name="payments_wallet_top_up",
        )
        return [top_up, *super().get_urls()]

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None and self.has_top_up_permission(request):
            context["top_up_url"] = reverse("admin:payments_wallet_top_up", args=[obj.pk])
        return super().render_change_form(request, context, add, change, form_url, obj)

    @admin.display(description="latest entries")
    def ledger(self, wallet: Wallet) -> str:
        entries = list(ledger_of(wallet).select_related("order")[:LEDGER_SHOWN])
        if not entries:
            return "No entries yet."
        rows = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td class='amount'>{}</td><td class='amount'>{}</td>"
            "<td>{}</td><td>{}</td><td>{}</td></tr>",
            (
                (
                    staff_time(entry.created_at),
                    entry.get_kind_display(),
                    format_amount(entry.amount, wallet.currency),
                    format_amount(entry.balance_after, wallet.currency),
                    entry.order.reference if entry.order else "",
                    entry.memo,
                    entry.actor_label,
                )
                for entry in entries
            ),
        )
        everything = reverse("admin:payments_ledgerentry_changelist") + f"?wallet__id__exact={wallet.pk}"
        return format_html(
            '<table class="ledger"><thead><tr><th>when</th><th>kind</th><th>amount</th><th>balance after</th>'
            "<th>order</th><th>memo</th><th>by</th></tr></thead><tbody>{}</tbody></table>"
            '<p><a href="{}">Every entry of this wallet →</a></p>',
            rows,
            everything,
        )

    def top_up_view(self, request, object_id: int):
        if not self.has_top_up_permission(request):
            raise PermissionDenied
        wallet = Wallet.objects.select_related("partner").filter(pk=object_id).first()
        if wallet is None:
            raise Http404("No such wallet.")
        form = TopUpForm(request.POST or None, initial={"key": uuid.uuid4().hex}, currency=wallet.currency)
        if request.method == "POST" and form.is_valid():
            try:
                entry = wallet_top_up(
                    partner_id=wallet.partner_id,
                    currency=wallet.currency,
                    amount=form.cleaned_data["amount"],
                    reference=f"staff-top-up:{form.cleaned_data['key']}",
                    actor=Actor.staff(request.user),
                    memo=form.cleaned_data["reason"],
                )
            except TesseraError as exc:
                form.add_error(None, exc.detail)
            else:
                added = f"{format_amount(entry.amount, wallet.currency)} {wallet.currency}"
                self.log_change(request, wallet, f"Topped up {added}: {entry.memo}")
                messages.success(
                    request,
                    f"Added {added} to {wallet}; the balance is now "
                    f"{format_amount(entry.balance_after, wallet.currency)} {wallet.currency}.",
                )
                return redirect("admin:payments_wallet_change", wallet.pk)
        context = {
            **self.admin_site.each_context(request),
            "title": f"Top up {wallet}",
            "opts": self.model._meta,
            "original": wallet,
            "wallet": wallet,
            "balance": f"{format_amount(wallet.balance, wallet.currency)} {wallet.currency}",
            "form": form,
        }
        return TemplateResponse(request, "admin/payments/wallet/top_up.html", context)
