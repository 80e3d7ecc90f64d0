"""What staff do for a customer from the order's page: internal notes and the status link.

Notes are written through ``order_note_add`` (a small form under the order's details, beside
the notes so far) by staff with ``orders.add_ordernote``. "Customer's status
link…" shows the customer's page address, with a copy button, to staff who may change orders,
after ``order_status_link_show`` recorded who asked (the link opens the customer's tickets).
"""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.views.decorators.cache import never_cache

from checkout.links import customer_url
from orders.models import Order
from orders.services.notes import MAX_NOTE_LENGTH, order_note_add
from orders.services.status_link import order_status_link_show
from tessera.actors import Actor
from tessera.errors import TesseraError

NOTE_PERMISSION = "orders.add_ordernote"
STATUS_LINK_PERMISSION = "orders.change_order"


class NoteForm(forms.Form):
    text = forms.CharField(
        label="New note",
        max_length=MAX_NOTE_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2, "cols": 80}),
        help_text="For staff only: partners and customers never see notes.",
    )


class OrderCustomerCareMixin:
    """Adds the note form and the status link page to the order admin."""

    def get_urls(self):
        urls = [
            path(
                "<uuid:order_id>/notes/",
                self.admin_site.admin_view(self.note_add_view),
                name="orders_order_note",
            ),
            path(
                "<uuid:order_id>/status-link/",
                self.admin_site.admin_view(never_cache(self.status_link_view)),
                name="orders_order_status_link",
            ),
        ]
        return [*urls, *super().get_urls()]

    def transition_buttons(self, request, obj) -> list[tuple[str, str]]:
        buttons = super().transition_buttons(request, obj)
        if obj is not None and request.user.has_perm(STATUS_LINK_PERMISSION):
            buttons.append(
                ("Customer's status link…", reverse("admin:orders_order_status_link", args=[obj.pk]))
            )
        return buttons

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None:
            context["notes"] = list(obj.notes.all())
        if obj is not None and request.user.has_perm(NOTE_PERMISSION):
            context["note_form"] = NoteForm()
            context["note_url"] = reverse("admin:orders_order_note", args=[obj.pk])
        return super().render_change_form(request, context, add, change, form_url, obj)

    @staticmethod
    def _order(order_id) -> Order:
        order = Order.objects.select_related("partner").filter(pk=order_id).first()
        if order is None:
            raise PermissionDenied
        return order

    @staticmethod
    def _back(order: Order):
        return redirect("admin:orders_order_change", order.pk)

    def note_add_view(self, request, order_id):
        if not request.user.has_perm(NOTE_PERMISSION):
            raise PermissionDenied
        order = self._order(order_id)
        if request.method != "POST":
            return self._back(order)
        form = NoteForm(request.POST)
        if not form.is_valid():
            messages.error(request, "The note was not added: " + " ".join(form.errors["text"]))
            return self._back(order)
        try:
            order_note_add(order_id=order.pk, text=form.cleaned_data["text"], actor=Actor.staff(request.user))
        except TesseraError as exc:
            messages.error(request, exc.detail)
        else:
            messages.success(request, "Note added. Only staff see it.")
        return self._back(order)

    def status_link_view(self, request, order_id):
        if not request.user.has_perm(STATUS_LINK_PERMISSION):
            raise PermissionDenied
        order = self._order(order_id)
        context = {
            **self.admin_site.each_context(request),
            "title": f"Status link of order {order.reference}",
            "opts": self.model._meta,
            "original": order,
            "order": order,
        }
        if request.method == "POST":
            key = order_status_link_show(order_id=order.pk, actor=Actor.staff(request.user))
            context["link"] = customer_url("status", key)
        return TemplateResponse(request, "admin/orders/order/status_link.html", context)
