"""The lists of order lines and of audit events: found by the references staff are given.

Given delivered orders, when staff search the line list by a supplier booking reference or an
order reference, or the event list by a correlation id or an order reference, then exactly those
rows are listed.
"""

import pytest
from django.urls import reverse

from orders.models import OrderEvent
from tests.admin_support import delivered_order, login

pytestmark = pytest.mark.django_db(transaction=True)


def found(client, model: str, term: str) -> set:
    response = client.get(reverse(f"admin:orders_{model}_changelist"), {"q": term})
    assert response.status_code == 200
    return {row.pk for row in response.context["cl"].result_list}


def test_lines_are_found_by_booking_reference_or_order_reference(client, wallet_partner, worker):
    order = delivered_order(wallet_partner, worker=worker)
    delivered_order(wallet_partner, worker=worker)
    support = login(client, "desk", role="Support")
    line = order.lines.get(position=2)

    assert found(support, "orderline", line.supplier_booking_ref) == {line.pk}
    assert found(support, "orderline", order.reference.lower()) == set(
        order.lines.values_list("pk", flat=True)
    )
    assert found(support, "orderline", "nothing") == set()


def test_events_are_found_by_correlation_id_or_order_reference(client, wallet_partner, worker):
    order = delivered_order(wallet_partner, worker=worker)
    other = delivered_order(wallet_partner, worker=worker)
    support = login(client, "desk", role="Support")
    created = OrderEvent.objects.get(order=other, subject_type="order", transition="order.created")

    by_correlation = found(support, "orderevent", created.correlation_id)
    by_order = found(support, "orderevent", order.reference)

    assert created.pk in by_correlation
    assert (
        OrderEvent.objects.filter(pk__in=by_correlation)
        .exclude(correlation_id=created.correlation_id)
        .count()
        == 0
    )
    assert by_order == set(OrderEvent.objects.filter(order=order).values_list("pk", flat=True))
