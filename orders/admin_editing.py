"""Changing a PENDING order from the back office: contact, external reference, expiry.

What the lifecycle allows before finalization, through the services the partner API uses
(``order_update_details``, ``order_set_expiry``: the order's lock, its version, an audit event).
From PROCESSING on an order is immutable, and the page refuses.
"""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse

from orders.models import Order
from orders.services.editing import order_set_expiry, order_update_details
from orders.services.inputs import ContactInput
from orders.statuses import OrderStatus
from tessera.actors import Actor
from tessera.errors import TesseraError

EDIT_PERMISSION = "orders.change_order"


class PendingOrderForm(forms.Form):
    contact_name = forms.CharField(max_length=200, required=False)
    contact_email = forms.EmailField(required=False)
    contact_phone = forms.CharField(max_length=40, required=False)
    external_reference = forms.CharField(max_length=128, required=False)
    expires_at = forms.DateTimeField(
        label="Expires at (UTC)", help_text="In the future, at most six months ahead; e.g. 2026-12-01 18:00."
    )


class PendingOrderEditMixin:
    """The "Change details…" button and page of a PENDING order."""

    def may_edit(self, request, order: Order) -> bool:
        return order.status == OrderStatus.PENDING and request.user.has_perm(EDIT_PERMISSION)

    def get_urls(self):
        details = path(
            "<path:object_id>/details/",
            self.admin_site.admin_view(self.details_view),
            name="orders_order_details",
        )
        return [details, *super().get_urls()]

    def transition_buttons(self, request, obj) -> list[tuple[str, str]]:
        buttons = super().transition_buttons(request, obj)
        if obj is not None and self.may_edit(request, obj):
            buttons.insert(0, ("Change details…", reverse("admin:orders_order_details", args=[obj.pk])))
        return buttons

    def details_view(self, request, object_id):
        order = self.get_object(request, object_id)
        if order is None:
            raise Http404("No such order.")
        if not request.user.has_perm(EDIT_PERMISSION):
            raise PermissionDenied
        if order.status != OrderStatus.PENDING:
            messages.error(request, f"Order {order.reference} is {order.status}; only PENDING orders change.")
            return redirect("admin:orders_order_change", order.pk)
        initial = {name: getattr(order, name) for name in PendingOrderForm.base_fields}
        initial["expires_at"] = order.expires_at.replace(microsecond=0)  # as the field shows it
        form = PendingOrderForm(request.POST or None, initial=initial)
        if request.method == "POST" and form.is_valid():
            try:
                with transaction.atomic():  # all of it or none of it
                    changed = _apply(order, form, Actor.staff(request.user))
            except TesseraError as exc:
                form.add_error("expires_at" if exc.code == "INVALID_EXPIRY" else None, exc.detail)
            else:
                messages.success(request, f"Order {order.reference}: {changed or 'nothing changed'}.")
                return redirect("admin:orders_order_change", order.pk)
        context = {
            **self.admin_site.each_context(request),
            "title": f"Change order {order.reference}",
            "opts": self.model._meta,
            "original": order,
            "order": order,
            "form": form,
        }
        return TemplateResponse(request, "admin/orders/order/details.html", context)


def _apply(order: Order, form: PendingOrderForm, actor: Actor) -> str:
    data, changed = form.cleaned_data, []
    contact_fields = ("contact_name", "contact_email", "contact_phone")
    contact_changed = any(name in form.changed_data for name in contact_fields)
    reference_changed = "external_reference" in form.changed_data
    if contact_changed or reference_changed:
        details = {}
        if contact_changed:
            details["contact"] = ContactInput(
                name=data["contact_name"], email=data["contact_email"], phone=data["contact_phone"]
            )
            changed.append("contact")
        if reference_changed:
            details["external_reference"] = data["external_reference"]
            changed.append("external reference")
        order_update_details(order_id=order.pk, actor=actor, **details)
    if "expires_at" in form.changed_data:
        order_set_expiry(order_id=order.pk, expires_at=data["expires_at"], actor=actor)
        changed.append("expiry")
    return ", ".join(changed) + (" changed" if changed else "")
