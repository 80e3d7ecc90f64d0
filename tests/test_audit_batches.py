"""Audit events written together: one INSERT per transaction of a busy service, nothing on failure."""

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from orders.events import batched, order_confirmation_resent
from orders.models import Order, OrderEvent
from orders.services.fulfilment import line_issue, line_reserve
from payments.models import Payment
from payments.services import finalization
from tessera.actors import Actor
from tests import factories

pytestmark = pytest.mark.django_db(transaction=True)


def _statements(queries, verb: str, table: str) -> list[str]:
    return [q["sql"] for q in queries if q["sql"].startswith(verb) and f'"{table}"' in q["sql"].split("(")[0]]


def _reserved_order(owner):
    order = factories.order(owner=owner, product_obj=factories.product())
    line = order.lines.get()
    assert line_reserve(line_id=line.pk) == "reserved"
    return order, line


def test_finalize_writes_its_five_events_in_one_insert_in_the_order_they_happened(wallet_partner):
    order, line = _reserved_order(wallet_partner)
    before = set(OrderEvent.objects.filter(order=order).values_list("pk", flat=True))

    with CaptureQueriesContext(connection) as queries:
        finalization.order_finalize(order_id=order.pk, method="wallet", actor=Actor.partner(wallet_partner))

    assert len(_statements(queries.captured_queries, "INSERT", "orders_orderevent")) == 1
    written = OrderEvent.objects.filter(order=order).exclude(pk__in=before).order_by("created_at", "id")
    assert [(event.subject_type, event.transition, event.to_status) for event in written] == [
        ("payment", "payment.created", "CREATED"),
        ("payment", "payment.started", "PENDING"),
        ("payment", "payment.paid", "PAID"),
        ("order", "order.finalized", "PROCESSING"),
        ("line", "line.issuing", "ISSUING"),
    ]


def test_a_wallet_payment_is_written_once_already_paid(wallet_partner):
    order, _ = _reserved_order(wallet_partner)

    with CaptureQueriesContext(connection) as queries:
        finalization.order_finalize(order_id=order.pk, method="wallet", actor=Actor.partner(wallet_partner))

    assert len(_statements(queries.captured_queries, "INSERT", "payments_payment")) == 1
    assert not _statements(queries.captured_queries, "UPDATE", "payments_payment")
    payment = Payment.objects.get(order=order)
    assert (payment.status, payment.amount, payment.provider_reference.startswith("ledger:")) == (
        "PAID",
        order.total_amount,
        True,
    )
    assert payment.paid_at is not None


def test_a_finalize_refused_for_want_of_money_leaves_no_event_and_no_payment():
    poor = factories.partner(wallet="1.00")
    order, _ = _reserved_order(poor)
    before = OrderEvent.objects.filter(order=order).count()

    with pytest.raises(Exception, match="needed"):
        finalization.order_finalize(order_id=order.pk, method="wallet", actor=Actor.partner(poor))

    assert OrderEvent.objects.filter(order=order).count() == before
    assert not Payment.objects.filter(order=order).exists()
    assert Order.objects.get(pk=order.pk).status == "PENDING"


def test_events_of_a_block_that_raises_are_not_written(wallet_partner):
    order = factories.order(owner=wallet_partner, product_obj=factories.product())
    before = OrderEvent.objects.filter(order=order).count()

    with pytest.raises(RuntimeError, match="halfway"), transaction.atomic(), batched():
        order_confirmation_resent(order, actor=Actor.system("t"), channel="email")
        raise RuntimeError("halfway")

    assert OrderEvent.objects.filter(order=order).count() == before


def test_a_batch_needs_a_transaction():
    with pytest.raises(RuntimeError, match="inside transaction.atomic"), batched():
        pass


def test_a_line_moving_alone_moves_its_order_once(wallet_partner):
    order = factories.order(owner=wallet_partner, product_obj=factories.product())
    line = order.lines.get()
    created = Order.objects.get(pk=order.pk).updated_at

    with CaptureQueriesContext(connection) as queries:
        line_reserve(line_id=line.pk)

    assert len(_statements(queries.captured_queries, "UPDATE", "orders_order")) == 1
    assert Order.objects.get(pk=order.pk).updated_at > created


def test_the_last_issue_saves_the_order_once_not_also_touching_it(wallet_partner):
    order, line = _reserved_order(wallet_partner)
    finalization.order_finalize(order_id=order.pk, method="wallet", actor=Actor.partner(wallet_partner))

    with CaptureQueriesContext(connection) as queries:
        assert line_issue(line_id=line.pk) == "issued"

    assert len(_statements(queries.captured_queries, "UPDATE", "orders_order")) == 1
    assert Order.objects.get(pk=order.pk).status == "FULFILLED"
