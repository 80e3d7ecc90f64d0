"""The customer's status link, shown to staff so they can pass it to a customer who lost it.

The link opens the customer's pages, tickets and codes included, so showing it to staff is
audited like a reveal: one event in the order's timeline, under the staff member's name.
"""

from django.db import transaction

from orders import events
from orders.locks import lock_order
from tessera.actors import Actor


def order_status_link_show(*, order_id, actor: Actor) -> str:
    """The order's customer key, after recording who asked for it; the caller builds the URL."""
    with transaction.atomic():
        order = lock_order(order_id)
        events.order_status_link_shown(order, actor=actor)
        return order.order_key
