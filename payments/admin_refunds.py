"""Staff refunds in the admin, through the same service as the partner API.

The order's page gets a "Refund…" button (the order's refund transition, tessera.admin_transitions)
to a form that shows what is refundable and refunds chosen lines (``refund_request``: the supplier
takes them back first) or an amount (``refund_request_amount``: money only, the lines stay), with
a reason, as the staff member. The refund list shows lines and progress, filters the refunds
whose money is still owed, and sends such money again (``refund_retry``). All of it needs the
``payments.add_refund`` permission.
"""

import re
import uuid
from decimal import Decimal

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path

from orders.models import Order, OrderLine
from orders.statuses import BillingMode
from payments import refund_selectors
from payments.models import Refund, RefundLine
from payments.refund_rules import (
    REFUNDABLE_ORDER_STATUSES,
    REQUESTABLE_REASONS,
    paid_payment,
    refundable_lines,
)
from payments.services.refunds import refund_request, refund_request_amount, refund_retry, refundable_amount
from tessera.actors import Actor
from tessera.admin_base import ReadOnlyInline, money
from tessera.errors import TesseraError
from tessera.money import ZERO, format_amount

REFUND_PERMISSION = "payments.add_refund"


class RefundPermissionMixin:
    """``permissions=["refund"]`` on an admin action, and the check of the refund views."""

    def has_refund_permission(self, request) -> bool:
        return request.user.has_perm(REFUND_PERMISSION)


# --- the form on the order's page -----------------------------------------------------------------


class StaffRefundForm(forms.Form):
    lines = forms.ModelMultipleChoiceField(
        queryset=OrderLine.objects.none(), widget=forms.CheckboxSelectMultiple, required=False
    )
    amount = forms.DecimalField(
        required=False,
        min_value=Decimal("0.01"),
        help_text="Or, instead of lines: an amount to give back while the customer keeps every line "
        "(goodwill, a price difference). The supplier is not asked.",
    )
    reason = forms.ChoiceField(choices=[(reason.value, reason.label) for reason in REQUESTABLE_REASONS])
    note = forms.CharField(required=False, max_length=255, widget=forms.Textarea(attrs={"rows": 3}))
    # One refund per form shown, however often it is sent (a double click, a reload).
    key = forms.CharField(widget=forms.HiddenInput)

    def __init__(self, *args, order: Order, lines: list[OrderLine], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["lines"]
        # Any line of the order is accepted, so that the service decides (and a form sent twice
        # finds its refund); only the lines refundable now are offered.
        field.queryset = OrderLine.objects.filter(order=order).order_by("position")
        field.widget.choices = [(line.pk, _line_label(line)) for line in lines]

    def clean_key(self) -> str:
        key = self.cleaned_data["key"]
        if not re.fullmatch(r"[0-9a-f]{32}", key):
            raise ValidationError("The form is damaged; open it again.")
        return key

    def clean(self) -> dict:
        data = super().clean()
        chosen, amount = data.get("lines"), data.get("amount")
        if chosen and amount is not None:
            raise ValidationError("Refund either lines or an amount, not both.")
        if not chosen and amount is None and "amount" not in self.errors:
            self.add_error("lines", "Choose at least one line.")
        return data


def _line_label(line: OrderLine) -> str:
    return (
        f"#{line.position} {line.description} — {format_amount(line.amount, line.currency)} {line.currency}"
    )


class OrderRefundAdminMixin(RefundPermissionMixin):
    """Adds the "Refund…" page to the order admin (its button is the order's refund transition)."""

    def get_urls(self):
        refund = path(
            "<path:object_id>/refund/",
            self.admin_site.admin_view(self.refund_view),
            name="orders_order_refund",
        )
        return [refund, *super().get_urls()]

    def refund_view(self, request, object_id):
        """The form, then a review of what will happen (amount, where the money goes), then the
        refund: nothing is written until staff confirm the review."""
        order = _order_or_404(object_id)
        context = {
            **self.admin_site.each_context(request),
            "title": f"Refund order {order.reference}",
            "opts": self.model._meta,
            "original": order,
            "order": order,
        }
        if not self.has_refund_permission(request):
            return TemplateResponse(request, "admin/orders/order/refund_refused.html", context, status=403)
        lines = list(order.lines.order_by("position"))
        refunds = list(refund_selectors.with_lines(order.refunds.all()))
        payment = paid_payment(order.payments.all())
        left = refundable_amount(payment) if payment is not None else ZERO
        choices = refundable_lines(lines, refunds) if left > 0 else []
        initial = {"key": uuid.uuid4().hex, "reason": REQUESTABLE_REASONS[0]}
        form = StaffRefundForm(request.POST or None, initial=initial, order=order, lines=choices)
        context |= {
            "form": form,
            "payment": payment,
            "paid": _money(payment.amount, payment.currency) if payment else None,
            "left": _money(left, payment.currency) if payment else None,
            "refundable": left > 0 and order.status in REFUNDABLE_ORDER_STATUSES,
            "refunds": [(refund, _money(refund.amount, refund.currency)) for refund in refunds],
        }
        if request.method == "POST" and form.is_valid() and "change" not in request.POST:
            if request.POST.get("confirmed") != "yes":
                context["review"] = _review(order, form.cleaned_data, payment, left)
                return TemplateResponse(request, "admin/orders/order/refund_review.html", context)
            try:
                refund, what = _request(order, form.cleaned_data, Actor.staff(request.user))
            except TesseraError as exc:
                form.add_error(None, exc.detail)
            else:
                messages.success(
                    request,
                    f"Refund of {format_amount(refund.amount, refund.currency)} {refund.currency} requested "
                    f"for {what}. Its progress is in the order's refunds and timeline.",
                )
                return redirect("admin:orders_order_change", order.pk)
        return TemplateResponse(request, "admin/orders/order/refund.html", context)


def _review(order: Order, data: dict, payment, left) -> dict:
    """What a refund will do, in words, before staff confirm it."""
    currency = order.currency
    if data["amount"] is not None:
        what = "An amount; the customer keeps every line and the supplier is not asked."
        amount = _money(data["amount"], currency)
    else:
        chosen = sorted(data["lines"], key=lambda line: line.position)
        what = "; ".join(_line_label(line) for line in chosen)
        total = min(sum((line.amount for line in chosen), ZERO), left)
        amount = f"up to {_money(total, currency)} (the supplier is asked first and may keep a fee)"
    reason = {reason.value: reason.label for reason in REQUESTABLE_REASONS}[data["reason"]]
    return {"what": what, "amount": amount, "destination": _destination(order, payment), "reason": reason}


def _destination(order: Order, payment) -> str:
    """Where the money of a refund of ``payment`` goes, in the words staff tell a customer."""
    method = payment.method if payment is not None else order.payment_method
    if method == BillingMode.WALLET:
        return f"Back to {order.partner.name}'s wallet, available at once."
    if method == BillingMode.INVOICE:
        return f"A credit note on {order.partner.name}'s monthly invoice."
    provider = payment.provider if payment is not None else ""
    return f"Back to the customer's card through the payment provider{f' ({provider})' if provider else ''}."


def _request(order: Order, data: dict, actor: Actor) -> tuple[Refund, str]:
    """The refund the form asks for, and what it covers in words."""
    key = f"staff:{data['key']}"
    if data["amount"] is not None:
        refund = refund_request_amount(
            order_id=order.pk,
            amount=data["amount"],
            reason=data["reason"],
            note=data["note"],
            actor=actor,
            idempotency_key=key,
        )
        return refund, "an amount (the lines stay with the customer); the money goes back the way it came"
    chosen = data["lines"]
    refund = refund_request(
        order_id=order.pk,
        line_ids=[line.pk for line in chosen],
        reason=data["reason"],
        note=data["note"],
        actor=actor,
        idempotency_key=key,
    )
    positions = ", ".join(str(line.position) for line in chosen)
    return (
        refund,
        f"line(s) {positions}. The supplier is asked first; the money then goes back the way it came",
    )


def _money(amount, currency: str) -> str:
    return f"{format_amount(amount, currency)} {currency}"


def _order_or_404(object_id) -> Order:
    try:
        order = Order.objects.select_related("partner").filter(pk=object_id).first()
    except ValidationError:
        order = None
    if order is None:
        raise Http404("No such order.")
    return order


class RefundInline(ReadOnlyInline):
    """The order's refunds, on the order's page."""

    model = Refund
    show_change_link = True
    fields = ["created_at", "status", "reason", "back", "fee", "requested_by", "failure_reason"]
    readonly_fields = fields
    back = staticmethod(money("amount", label="amount"))
    fee = staticmethod(money("supplier_fee", label="supplier fee"))
    ordering = ["created_at"]


# --- the refund list ------------------------------------------------------------------------------


class RefundLineInline(ReadOnlyInline):
    model = RefundLine
    fields = ["line", "back", "fee", "supplier_reference"]
    readonly_fields = fields
    back = staticmethod(money("amount", currency="refund.currency", label="amount"))
    fee = staticmethod(money("supplier_fee", currency="refund.currency", label="supplier fee"))

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("line", "refund").order_by("line__position")

    def has_view_permission(self, request, obj=None) -> bool:
        # A refund's lines are part of it: whoever may see the refund sees them.
        return request.user.has_perm("payments.view_refund")


class MoneyOwedFilter(admin.SimpleListFilter):
    """Refunds that FAILED at the payment provider after the supplier took the lines back."""

    title = "money owed"
    parameter_name = "owed"

    def lookups(self, request, model_admin):
        return [("yes", "Owed to the customer (failed at the provider, not sent again)")]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return refund_selectors.owing_money(queryset)
        return queryset


@admin.action(description="Send the money of the selected failed refunds again", permissions=["refund"])
def send_money_again(modeladmin, request, queryset) -> None:
    sent = []
    for refund in refund_selectors.owing_money(queryset):
        try:
            again = refund_retry(refund_id=refund.pk, actor=Actor.staff(request.user))
        except TesseraError as exc:
            messages.error(request, f"Refund {refund.pk}: {exc.detail}")
        else:
            sent.append(f"{format_amount(again.amount, again.currency)} {again.currency}")
    if sent:
        messages.success(request, f"Sent again: {', '.join(sent)}.")
    else:
        messages.warning(request, "None of the selected refunds owes money (see the 'money owed' filter).")
