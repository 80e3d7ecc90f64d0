"""Helpers for back-office tests: staff logins by role or permission, orders in the states staff meet."""

import re

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.contrib.messages import get_messages
from django.urls import reverse

from backoffice.roles import roles_ensure
from orders.models import Order, OrderLine
from orders.services import fulfilment
from payments.services import finalization
from tessera.actors import Actor
from tests import factories
from tests.refund_support import delivered


def login(client, username: str, *, role: str | None = None, perms: tuple[str, ...] = (), superuser=False):
    """``client`` logged in as a new staff user holding a role (group) and/or single permissions."""
    users = get_user_model().objects
    if superuser:
        user = users.create_superuser(username, f"{username}@example.com", f"pw-{username}-123")
    else:
        user = users.create_user(username, f"{username}@example.com", f"pw-{username}-123", is_staff=True)
    if role:
        roles_ensure()
        user.groups.add(Group.objects.get(name=role))
    for perm in perms:
        app_label, codename = perm.split(".")
        user.user_permissions.add(
            Permission.objects.get(content_type__app_label=app_label, codename=codename)
        )
    client.force_login(user)
    client.user = user
    return client


def shown(response) -> list[str]:
    """The messages a response left for the next page."""
    return [str(message) for message in get_messages(response.wsgi_request)]


def order_url(order: Order) -> str:
    return reverse("admin:orders_order_change", args=[order.pk])


def transition_url(obj, name: str) -> str:
    meta = obj._meta
    return reverse(f"admin:{meta.app_label}_{meta.model_name}_transition", args=[obj.pk, name])


def changelist() -> str:
    return reverse("admin:orders_order_changelist")


def action(client, name: str, orders, url: str | None = None):
    """Run a bulk action of the order list on ``orders``."""
    return client.post(
        url or changelist(), {"action": name, "_selected_action": [str(order.pk) for order in orders]}
    )


def form_key(page: str) -> str:
    return re.search(r'name="key" value="([0-9a-f]{32})"', page).group(1)


def voucher_order(partner, *, worker, quantity: int = 2) -> Order:
    """A FULFILLED order of gift card codes (the sandbox delivers a code, PIN, link and secret)."""
    product = factories.product(kind="voucher", denominations=["25.00"])
    order = factories.order(owner=partner, product_obj=product, quantity=quantity, denomination="25.00")
    worker()
    finalization.order_finalize(order_id=order.pk, method="wallet", actor=Actor.partner(partner))
    worker()
    order = Order.objects.get(pk=order.pk)
    assert order.status == "FULFILLED", order.status
    return order


def delivered_order(partner, *, worker, quantity: int = 2) -> Order:
    return delivered(partner, factories.product(price="70.00"), worker=worker, quantity=quantity)


def unknown_line(partner, *, worker, phase: str = "issue") -> OrderLine:
    """A line whose supplier did not answer (UNKNOWN), in the reserve or the issue phase.

    The step is run directly, not by the worker, so the reconcile task it queues stays queued
    and the line stays UNKNOWN until the test acts.
    """
    product = factories.product(behaviour={"timeout": phase})
    order = factories.order(owner=partner, product_obj=product, quantity=1)
    line = order.lines.get()
    if phase == "reserve":
        assert fulfilment.line_reserve(line_id=line.pk) == "unknown"
    else:
        worker()
        finalization.order_finalize(order_id=order.pk, method="wallet", actor=Actor.partner(partner))
        assert fulfilment.line_issue(line_id=line.pk) == "unknown"
    return OrderLine.objects.select_related("order").get(pk=line.pk)
