"""Bulk actions of the order list; each calls a service per order or line, which audits it.

Staff choose at most ``MAX_ORDERS`` orders at a time: "select all" across a million orders would
otherwise start a million supplier calls from one click.
"""

from collections.abc import Callable

from django.contrib import admin, messages

from orders.models import OrderLine
from orders.selectors import lines_of_orders
from orders.services.confirmation import order_confirmation_resend
from orders.services.line_recovery import WAITING, line_reconcile_request, line_retry
from orders.statuses import LineStatus
from tessera.actors import Actor
from tessera.errors import TesseraError

MAX_ORDERS = 200


def chosen_orders(request, queryset) -> list | None:
    orders = list(queryset.order_by()[: MAX_ORDERS + 1])
    if len(orders) > MAX_ORDERS:
        messages.error(request, f"Choose at most {MAX_ORDERS} orders at a time; nothing was done.")
        return None
    return orders


def call_each(items, call) -> tuple[list, list[str]]:
    """Call the service on each item: (item, result) of those done, the reasons of those refused."""
    done, refused = [], []
    for item in items:
        try:
            result = call(item)
        except TesseraError as exc:
            refused.append(exc.detail)
        else:
            done.append((item, result))
    return done, refused


def report_outcome(request, done: list[str], refused: list[str], *, nothing: str) -> None:
    if done:
        messages.success(request, "; ".join(done) + ".")
    for reason in refused:
        messages.warning(request, reason)
    if not done and not refused:
        messages.warning(request, nothing)


def resend_each(request, queryset, resend: Callable[..., str], *, what: str) -> None:
    """Send something to each chosen order's customer again: ``resend(order_id=, actor=)``
    answers the address it went to."""
    orders = chosen_orders(request, queryset)
    if orders is None:
        return
    actor = Actor.staff(request.user)
    done, refused = call_each(orders, lambda order: resend(order_id=order.pk, actor=actor))
    sent = ", ".join(f"{order.reference} to {address}" for order, address in done)
    report_outcome(request, [f"{what} sent again: {sent}"] if done else [], refused, nothing="")


@admin.action(description="Send the confirmation email again", permissions=["change"])
def resend_confirmation(modeladmin, request, queryset) -> None:
    resend_each(request, queryset, order_confirmation_resend, what="Confirmation")


@admin.action(description="Retry lines the supplier left UNKNOWN or still waiting", permissions=["retry"])
def retry_lines(modeladmin, request, queryset) -> None:
    orders = chosen_orders(request, queryset)
    if orders is None:
        return
    actor = Actor.staff(request.user)
    lines = lines_of_orders(orders, [LineStatus.UNKNOWN, *WAITING])
    done, refused = call_each(lines, lambda line: line_retry(line_id=line.pk, actor=actor))
    failed = OrderLine.objects.filter(order__in=orders, status=LineStatus.FAILED).count()
    if failed:
        refused.append(
            f"{failed} FAILED line(s) left as they are: the supplier refused them for good and their "
            "money goes back by itself; order them again."
        )
    retried = [f"{line.order.reference} line {line.position} {step} again" for line, step in done]
    report_outcome(request, retried, refused, nothing="No line of the chosen orders waits on its supplier.")


@admin.action(description="Reconcile UNKNOWN lines (ask the supplier now)", permissions=["retry"])
def reconcile_lines(modeladmin, request, queryset) -> None:
    orders = chosen_orders(request, queryset)
    if orders is None:
        return
    actor = Actor.staff(request.user)
    lines = lines_of_orders(orders, [LineStatus.UNKNOWN])
    done, refused = call_each(lines, lambda line: line_reconcile_request(line_id=line.pk, actor=actor))
    asked = ", ".join(f"{line.order.reference} line {line.position}" for line, _ in done)
    summary = [f"The supplier is being asked about {asked}"] if done else []
    report_outcome(request, summary, refused, nothing="No line of the chosen orders is UNKNOWN.")
