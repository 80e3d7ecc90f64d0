"""A gateway refund end to end with the sandbox provider: the customer pays on the bank's page,
the order is delivered, a line is refunded, and the bank's signed refund callback settles it."""

from decimal import Decimal

import pytest
from django_tasks_db.models import DBTaskResult

from orders.models import Order
from payments.models import Payment, ProviderEvent, Refund, SandboxBankRefund
from payments.services.refunds import refund_request
from tessera.actors import Actor
from tests import factories
from tests.gateway_support import Customer, callbacks, reserved_order  # noqa: F401

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def paid_order(callbacks, worker):  # noqa: F811 - the fixture imported above
    order = reserved_order(product_obj=factories.product(price="80.00"), quantity=2)
    Customer(order).pay("pay")
    worker()
    order = Order.objects.get(pk=order.pk)
    assert order.status == "FULFILLED"
    return order


def refund_line_one(order: Order) -> Refund:
    return refund_request(
        order_id=order.pk,
        line_ids=[order.lines.get(position=1).pk],
        reason="requested",
        note="",
        actor=Actor.partner(order.partner),
        idempotency_key="sandbox-refund",
    )


def test_the_bank_refunds_a_line_and_its_callback_settles_the_refund(paid_order, callbacks, worker):  # noqa: F811
    # when line 1 is refunded and the worker runs (supplier, provider, bank, callback)
    refund = refund_line_one(paid_order)
    worker()

    # then
    assert list(DBTaskResult.objects.failed().values_list("task_path", flat=True)) == []
    refund.refresh_from_db()
    assert (refund.status, refund.amount) == ("SUCCEEDED", Decimal("80.00"))
    at_bank = SandboxBankRefund.objects.get(pk=refund.provider_reference)
    assert (at_bank.state, at_bank.amount, at_bank.idempotency_key) == (
        "SUCCEEDED",
        Decimal("80.00"),
        f"refund:{refund.pk}",
    )
    assert ProviderEvent.objects.filter(refund=refund, kind="refund.succeeded").count() == 1
    assert Payment.objects.get(order=paid_order).status == "PARTIALLY_REFUNDED"
    assert Order.objects.get(pk=paid_order.pk).status == "PARTIALLY_REFUNDED"


def test_a_refund_the_bank_refuses_fails_and_owes_the_money(paid_order, callbacks, worker, settings):  # noqa: F811
    settings.SANDBOX_PROVIDER_REFUNDS = "fail"

    refund = refund_line_one(paid_order)
    worker()

    refund.refresh_from_db()
    assert refund.status == "FAILED"
    assert refund.failure_reason
    assert paid_order.lines.get(position=1).status == "REFUNDED"
    assert Payment.objects.get(order=paid_order).status == "PAID"
