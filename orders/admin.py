"""The back office of the demand side: the order list and page, lines, travellers, the audit trail.

Thin: the list's filters and search are in orders.admin_filters, its bulk actions in
orders.admin_actions, a PENDING order's changes in orders.admin_editing, vouchers in
orders.admin_vouchers, partners and API keys in orders.admin_partners. Nothing here saves a
status: transition buttons call services (tessera.admin_transitions). The order's money (payments,
refunds) and the "needs attention" filter are added by backoffice.admin, which registers the
back office's order page on top of this one.
"""

from django.contrib import admin
from django.db.models import Case, CharField, OuterRef, Q, Subquery, When
from django.db.models.functions import Cast, Upper
from django.urls import reverse
from django.utils.html import format_html

from orders import admin_partners, admin_stock, admin_vouchers  # noqa: F401 - they register their models
from orders.admin_actions import reconcile_lines, resend_confirmation, retry_lines
from orders.admin_editing import PendingOrderEditMixin
from orders.admin_export import OrderExportMixin
from orders.admin_filters import SupplierFilter, search_orders
from orders.models import Order, OrderEvent, OrderLine, OrderVersion, Traveller, version_changes
from orders.selectors import travellers_corrected_by, vouchers_of_order
from orders.services.cancellation import order_cancel
from orders.services.line_recovery import line_fail_by_hand, line_retry
from orders.statuses import AmendmentStatus, OrderStatus
from orders.vouchers import voucher_masked_code
from tessera.actors import Actor
from tessera.admin_base import ReadOnlyInline, ReadOnlyModelAdmin, badge, money
from tessera.admin_display import details, staff_time
from tessera.admin_filters import DateRangeFilter
from tessera.admin_transitions import ConfirmForm, ReasonForm, ServiceTransitionsMixin

RETRY_PERMISSION = "orders.change_orderline"


def search_or_by_order(queryset, term: str, field: str, *, upper: bool = False):
    """Rows whose ``field`` is ``term``, or of the order whose reference ``term`` is.

    The order's id is read first (references are upper case), so the search combines two indexed
    columns instead of scanning. ``upper`` compares the field upper-cased (case ignored), for a
    field with an index on its upper-cased value.
    """
    term = term.strip()
    if not term:
        return queryset
    referenced = list(Order.objects.filter(reference=term.upper()).values_list("pk", flat=True))
    if upper:
        return queryset.alias(searched=Upper(field)).filter(
            Q(searched=term.upper()) | Q(order_id__in=referenced)
        )
    return queryset.filter(Q(**{field: term}) | Q(order_id__in=referenced))


class TravellerInline(ReadOnlyInline):
    model = Traveller
    fields = ["position", "given_name", "family_name", "born_on", "email", "external_id", "versions"]
    readonly_fields = fields

    @admin.display(description="in versions")
    def versions(self, traveller: Traveller) -> str:
        """Which versions list the traveller: an amendment adds, corrects or removes travellers."""
        first, until = traveller.added_in_version, traveller.removed_in_version
        if until is None:
            return f"from {first}"
        if until <= first:
            return "none (a discarded draft's)"
        return f"{first} only" if until == first + 1 else f"{first} to {until - 1}"


class OrderVersionInline(ReadOnlyInline):
    """The order's amendments (version 1 is the order as finalized): each with what it changed."""

    model = OrderVersion
    verbose_name = "version (amendment)"
    verbose_name_plural = "versions (amendments; version 1 is the order as finalized)"
    fields = ["number", "version_status", "changes", "new_total", "moved", "draft_expires", "confirmed_at"]
    readonly_fields = fields
    version_status = staticmethod(badge())
    new_total = staticmethod(money("total_amount", label="total"))
    moved = staticmethod(money("balance", label="balance"))
    ordering = ["number", "created_at"]

    @admin.display(description="draft expires")
    def draft_expires(self, version: OrderVersion) -> str:
        """Only an open draft expires; the order's own expiry is not this (a finalized order has none)."""
        return staff_time(version.expires_at) if version.status == AmendmentStatus.DRAFT else "—"

    @admin.display(description="difference from the version before")
    def changes(self, version: OrderVersion) -> str:
        n = version.number
        lines = list(version.order.lines.order_by("position"))
        if version.status == AmendmentStatus.DISCARDED:
            added = [line for line in lines if line.added_in_version == n and line.removed_in_version == n]
            removed = []
        else:
            added, removed = version_changes(lines, n)
        parts = [f"+ line {line.position} {line.description} ({line.amount})" for line in added]
        parts += [f"− line {line.position} {line.description} ({line.amount})" for line in removed]
        parts += [
            f"~ traveller {t.replaces.position} {t.replaces} → {t.position} {t}"
            for t in travellers_corrected_by(version)
        ]
        return "; ".join(parts) or "—"


class OrderLineInline(ReadOnlyInline):
    model = OrderLine
    show_change_link = True
    fields = [
        "position",
        "description",
        "line_status",
        "sub_status",
        "price",
        "supplier",
        "supplier_reservation_ref",
        "supplier_booking_ref",
        "traveller",
        "failure_reason",
    ]
    readonly_fields = fields
    line_status = staticmethod(badge())
    price = staticmethod(money("amount", label="price"))

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("traveller", "supplier")


def event_who(event: OrderEvent) -> str:
    return f"{event.actor_label} ({event.get_actor_kind_display().lower()})"


def event_change(event: OrderEvent) -> str:
    if not (event.from_status or event.to_status):
        return "-"
    return f"{event.from_status or '·'} → {event.to_status or '·'}"


class OrderEventInline(ReadOnlyInline):
    """The order's timeline: every transition and audited action, oldest first, in words.

    A line's rows name the line by its position (read with the events, from the order's few lines).
    """

    model = OrderEvent
    fields = ["when", "who", "subject", "what", "change", "event_details", "correlation_id"]
    readonly_fields = fields
    ordering = ["created_at", "id"]
    verbose_name_plural = "timeline"

    def get_queryset(self, request):
        positions = (
            OrderLine.objects.filter(order_id=OuterRef("order_id"))
            .annotate(key=Cast("pk", CharField()))
            .filter(key=OuterRef("subject_id"))
            .values("position")[:1]
        )
        return (
            super()
            .get_queryset(request)
            .annotate(line_position=Case(When(subject_type="line", then=Subquery(positions))))
        )

    @admin.display(description="when")
    def when(self, event: OrderEvent) -> str:
        return staff_time(event.created_at)

    @admin.display(description="who")
    def who(self, event: OrderEvent) -> str:
        return event_who(event)

    @admin.display(description="of")
    def subject(self, event: OrderEvent) -> str:
        position = getattr(event, "line_position", None)
        return f"line {position}" if position is not None else event.subject_type

    @admin.display(description="what")
    def what(self, event: OrderEvent) -> str:
        return event.get_transition_display()

    @admin.display(description="from → to")
    def change(self, event: OrderEvent) -> str:
        return event_change(event)

    @admin.display(description="details")
    def event_details(self, event: OrderEvent) -> str:
        return details(event.payload)


@admin.register(Order)
class OrderAdmin(OrderExportMixin, PendingOrderEditMixin, ServiceTransitionsMixin, ReadOnlyModelAdmin):
    list_display = [
        "reference",
        "order_status",
        "partner_name",
        "customer",
        "customer_email",
        "total",
        "created",
        "expires_or_finalized",
    ]
    list_filter = [
        "status",
        "partner",
        SupplierFilter,
        "payment_method",
        ("created_at", DateRangeFilter),
    ]
    list_select_related = ["partner"]
    list_per_page = 50
    search_fields = ["reference"]  # shows the box; the search itself is search_orders
    search_help_text = (
        "An order id, reference, external reference, customer email or supplier booking reference "
        "(whole, case ignored); or part of the customer's name or email (3 characters or more)."
    )
    raw_id_fields = ["partner"]
    actions = [resend_confirmation, retry_lines, reconcile_lines]
    change_form_template = "admin/orders/order/change_form.html"
    fieldsets = [
        (None, {"fields": [("reference", "order_status", "total", "payment_method"), ("partner", "id")]}),
        # Not the order key: the customer's pages it opens show the codes, which only staff with
        # the reveal permission may see (and then through the audited reveal).
        ("Contact", {"fields": [("contact_name", "contact_email", "contact_phone", "language")]}),
        ("Partner data", {"fields": [("external_reference", "client_name"), "metadata"]}),
        ("Times", {"fields": [("created_at", "finalized_at", "expires_at"), ("updated_at", "version")]}),
    ]
    readonly_fields = ["order_status", "total"]
    inlines = [OrderLineInline, TravellerInline, OrderEventInline]
    transition_services = {"cancel": "cancel_order"}
    fsm_forms = {"cancel": ReasonForm}

    order_status = staticmethod(badge())
    total = staticmethod(money("total_amount", label="total"))

    @admin.display(description="partner", ordering="partner__name")
    def partner_name(self, order: Order) -> str:
        return order.partner.name

    @admin.display(description="customer")
    def customer(self, order: Order) -> str:
        return order.contact_name or "-"

    @admin.display(description="email")
    def customer_email(self, order: Order) -> str:
        """The address, allowed to break only before its "@" when the column is narrow."""
        local, at, domain = order.contact_email.partition("@")
        return format_html("{}<wbr>{}{}", local, at, domain) if order.contact_email else "-"

    @admin.display(description="created", ordering="created_at")
    def created(self, order: Order) -> str:
        return staff_time(order.created_at)

    @admin.display(description="expires / finalized")
    def expires_or_finalized(self, order: Order) -> str:
        if order.status == OrderStatus.PENDING:
            return f"expires {staff_time(order.expires_at)}"
        if order.finalized_at:
            return f"finalized {staff_time(order.finalized_at)}"
        return "-"

    def get_fieldsets(self, request, obj=None):
        """A finalized or ended order no longer expires: its page shows no "Expires at"."""
        if obj is None or obj.status in (OrderStatus.PENDING, OrderStatus.EXPIRED):
            return self.fieldsets
        times = [("created_at", "finalized_at"), ("updated_at", "version")]
        return [*self.fieldsets[:-1], ("Times", {"fields": times})]

    def get_search_results(self, request, queryset, search_term):
        return search_orders(queryset, search_term), False

    def has_retry_permission(self, request) -> bool:
        return request.user.has_perm(RETRY_PERMISSION)

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        context["vouchers"] = self.vouchers_of(request, obj) if obj is not None else []
        return super().render_change_form(request, context, add, change, form_url, obj)

    def vouchers_of(self, request, order: Order) -> list[dict]:
        """The order's vouchers for its page: masked, with whether this user may reveal each."""
        vouchers = vouchers_of_order(order)
        return [
            {
                "voucher": voucher,
                "masked": voucher_masked_code(voucher) or "-",
                "state": admin_vouchers.reveal_state(voucher, request.user),
                "url": reverse("admin:orders_voucher_reveal", args=[voucher.pk]),
            }
            for voucher in vouchers
        ]

    def cancel_order(self, request, order: Order, data: dict) -> str:
        order_cancel(order_id=order.pk, actor=Actor.staff(request.user), reason=data["reason"])
        return f"Order {order.reference} canceled; its reservations are being released."


@admin.register(OrderLine)
class OrderLineAdmin(ServiceTransitionsMixin, ReadOnlyModelAdmin):
    list_display = [
        "__str__",
        "order",
        "line_status",
        "sub_status",
        "supplier",
        money("amount"),
        "updated_at",
    ]
    list_filter = ["status", "phase", "supplier", ("updated_at", DateRangeFilter)]
    list_select_related = ["order", "supplier"]
    search_fields = ["=supplier_booking_ref"]
    search_help_text = "A supplier booking reference, or an order reference (whole, case ignored)."
    raw_id_fields = ["order", "offer", "product", "supplier", "traveller"]
    transition_services = {
        "retry_issuance": "retry",
        "retry_reservation": "retry",
        "mark_failed": "fail_by_hand",
    }
    fsm_forms = {"retry_issuance": ConfirmForm, "retry_reservation": ConfirmForm, "mark_failed": ReasonForm}
    readonly_fields = ["line_status"]
    line_status = staticmethod(badge())

    def get_fieldsets(self, request, obj=None):
        """The line's page in groups: what it is, its money, its trip, its supplier, its times."""
        money = self.money_fields
        return [
            (
                None,
                {"fields": [("order", "position", "line_status"), ("phase", "sub_status"), "description"]},
            ),
            ("Price", {"fields": [(money["amount"], "tax_rate", money["denomination"])]}),
            ("Trip", {"fields": [("starts_at", "from_place", "to_place"), "traveller"]}),
            (
                "Supplier",
                {
                    "fields": [
                        ("supplier", "product", "offer"),
                        ("supplier_reservation_ref", "supplier_booking_ref"),
                        ("supplier_attempts", "waiting_since"),
                        ("failure_code", "failure_reason"),
                    ]
                },
            ),
            ("Times", {"fields": [("created_at", "updated_at"), "id"]}),
        ]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("order", "supplier")

    def get_search_results(self, request, queryset, search_term):
        return search_or_by_order(queryset, search_term, "supplier_booking_ref", upper=True), False

    def retry(self, request, line: OrderLine, data: dict) -> str:
        step = line_retry(line_id=line.pk, actor=Actor.staff(request.user))
        return f"Line {line.position} of {line.order.reference} is {step} again with its supplier."

    def fail_by_hand(self, request, line: OrderLine, data: dict) -> str:
        line_fail_by_hand(line_id=line.pk, reason=data["reason"], actor=Actor.staff(request.user))
        return f"Line {line.position} of {line.order.reference} marked FAILED; the order settles from it."


@admin.register(Traveller)
class TravellerAdmin(ReadOnlyModelAdmin):
    list_display = ["__str__", "order", "position", "email"]
    list_select_related = ["order"]
    search_fields = ["=order__reference", "family_name", "email"]
    raw_id_fields = ["order"]


class SubjectFilter(admin.SimpleListFilter):
    """A fixed list: the distinct values would be a scan of every event."""

    title = "subject"
    parameter_name = "subject"

    def lookups(self, request, model_admin):
        return [(name, name) for name in ("order", "line", "payment", "refund", "voucher")]

    def queryset(self, request, queryset):
        return queryset.filter(subject_type=self.value()) if self.value() else queryset


@admin.register(OrderEvent)
class OrderEventAdmin(ReadOnlyModelAdmin):
    list_display = ["when", "order", "subject_type", "what", "change", "who", "correlation_id"]
    list_filter = [SubjectFilter, "actor_kind"]
    list_select_related = ["order"]
    search_fields = ["=correlation_id"]
    search_help_text = "A correlation id, or an order reference (whole)."
    raw_id_fields = ["order", "actor_user", "actor_partner"]

    @admin.display(description="when", ordering="created_at")
    def when(self, event: OrderEvent) -> str:
        return staff_time(event.created_at)

    @admin.display(description="what")
    def what(self, event: OrderEvent) -> str:
        return event.get_transition_display()

    @admin.display(description="from → to")
    def change(self, event: OrderEvent) -> str:
        return event_change(event)

    @admin.display(description="who")
    def who(self, event: OrderEvent) -> str:
        return event_who(event)

    def get_search_results(self, request, queryset, search_term):
        return search_or_by_order(queryset, search_term, "correlation_id"), False
