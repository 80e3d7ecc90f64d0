"""Vouchers in the back office: masked everywhere, revealed one at a time to staff allowed to.

Revealing is a page of its own: a GET shows what is about to be opened and a button, the POST
opens the voucher through orders.services.reveal (which checks the ``orders.reveal_voucher``
permission and audits the reveal, or the refusal) and answers with the secrets on a page that
browsers and proxies must not store. Secrets never go into a message, a log or a URL.
"""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.views.decorators.cache import never_cache

from orders.errors import VoucherNotFound, VoucherNotRevealable
from orders.models import Voucher
from orders.services.reveal import REVEAL_PERMISSION, is_revealable, reveal_for_staff
from orders.services.revocation import voucher_revoke
from orders.statuses import VoucherStatus
from orders.vouchers import voucher_masked_code
from tessera.actors import Actor
from tessera.admin_base import ReadOnlyModelAdmin, badge
from tessera.admin_transitions import ReasonForm, ServiceTransitionsMixin

SECRET_LABELS = {"code": "Code", "pin": "PIN", "url": "Redemption link", "supplier_secret": "Supplier secret"}


def may_reveal(user) -> bool:
    return user.has_perm(REVEAL_PERMISSION)


@admin.register(Voucher)
class VoucherAdmin(ServiceTransitionsMixin, ReadOnlyModelAdmin):
    """Codes show masked ("••••••1234"); "Reveal…" opens one for staff with the permission."""

    list_display = [
        "id",
        "order",
        "line_position",
        "kind",
        badge(),
        "masked_code",
        "valid_until",
        "delivered_at",
    ]
    list_filter = ["kind", "status", "delivery_mode"]
    list_select_related = ["line__order"]
    search_fields = ["collection_reference"]
    # Not by code: a search is a GET, and its URL would carry the code into access logs.
    search_help_text = "The order's reference, or the supplier's collection reference (whole)."
    fields = [
        "id",
        "order",
        "line",
        "kind",
        "status",
        "delivery_mode",
        "masked_code",
        "collection_reference",
        "key_id",
        "valid_from",
        "valid_until",
        "delivered_at",
        "revoked_at",
        "revoked_reason",
    ]
    readonly_fields = ["order", "line_position", "masked_code"]
    raw_id_fields = ["line"]
    transition_services = {"revoke": "revoke_voucher"}
    fsm_forms = {"revoke": ReasonForm}

    def get_search_results(self, request, queryset, search_term):
        term = search_term.strip()
        if not term:
            return queryset, False
        order_ids = Voucher.objects.filter(line__order__reference=term.upper()).values("line_id")
        matches = Q(collection_reference=term) | Q(line_id__in=order_ids)
        return queryset.filter(matches), False

    @admin.display(description="order")
    def order(self, voucher: Voucher) -> str:
        order = voucher.line.order
        return format_html(
            '<a href="{}">{}</a>', reverse("admin:orders_order_change", args=[order.pk]), order.reference
        )

    @admin.display(description="line")
    def line_position(self, voucher: Voucher) -> int:
        return voucher.line.position

    @admin.display(description="code")
    def masked_code(self, voucher: Voucher) -> str:
        return voucher_masked_code(voucher) or "-"

    def transition_buttons(self, request, obj) -> list[tuple[str, str]]:
        buttons = super().transition_buttons(request, obj)
        if obj is not None and may_reveal(request.user) and is_revealable(obj):
            buttons.insert(0, ("Reveal…", reverse("admin:orders_voucher_reveal", args=[obj.pk])))
        return buttons

    def get_urls(self):
        reveal = path(
            "<uuid:voucher_id>/reveal/",
            self.admin_site.admin_view(never_cache(self.reveal_view)),
            name="orders_voucher_reveal",
        )
        return [reveal, *super().get_urls()]

    def reveal_view(self, request, voucher_id):
        voucher = Voucher.objects.select_related("line__order").filter(pk=voucher_id).first()
        if voucher is None or not self.has_view_permission(request, voucher):
            raise PermissionDenied
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": f"Voucher of {voucher.line.order.reference}, line {voucher.line.position}",
            "voucher": voucher,
            "masked": voucher_masked_code(voucher),
            "may_reveal": may_reveal(request.user),
        }
        if request.method == "POST":
            try:
                revealed = reveal_for_staff(voucher_id=voucher.pk, user=request.user)
            except VoucherNotRevealable as exc:
                messages.error(request, exc.detail)
                return redirect("admin:orders_voucher_change", voucher.pk)
            except VoucherNotFound as exc:
                messages.error(request, exc.detail)
                return redirect("admin:orders_voucher_changelist")
            context["secrets"] = [
                (SECRET_LABELS.get(name, name), value) for name, value in revealed.secrets.items() if value
            ]
        response = TemplateResponse(request, "admin/orders/voucher/reveal.html", context)
        response["Cache-Control"] = "no-store"
        return response

    def revoke_voucher(self, request, voucher: Voucher, data: dict) -> str:
        voucher_revoke(voucher_id=voucher.pk, reason=data["reason"], actor=Actor.staff(request.user))
        return "Voucher revoked: it is no longer shown or honoured."


def reveal_state(voucher: Voucher, user) -> str:
    """Whether ``user`` may open ``voucher`` now: "reveal", or why not."""
    if not is_revealable(voucher):
        return "revoked" if voucher.status != VoucherStatus.ACTIVE else "not delivered yet"
    if not may_reveal(user):
        return "needs the “reveal voucher” permission"
    return "reveal"
