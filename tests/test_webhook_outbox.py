"""The outbox: partner-visible events are written with their change, in the same transaction and
in one INSERT per batch, under their public names; a rolled-back change leaves no event."""

from datetime import UTC, date, datetime

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from orders.services.fulfilment import line_reserve
from payments.services import finalization
from payments.services.invoicing import invoices_close
from payments.services.wallets import wallet_top_up
from tessera.actors import Actor
from tests import factories
from tests.invoicing_support import STAFF, billed_order
from tests.invoicing_support import product as invoice_product
from webhooks.models import WebhookEvent

pytestmark = pytest.mark.django_db(transaction=True)


class Rollback(Exception):
    pass


def _inserts(queries, table: str) -> int:
    return sum(1 for q in queries if q["sql"].startswith("INSERT") and f'"{table}"' in q["sql"].split("(")[0])


def test_an_order_created_then_reserved_writes_its_public_events(wallet_partner):
    # given a new order
    order = factories.order(owner=wallet_partner, product_obj=factories.product())
    # when its one line is reserved
    line_reserve(line_id=order.lines.get().pk)
    # then the partner's outbox holds order.created then order.reserved, with thin payloads
    events = list(WebhookEvent.objects.filter(order=order))
    assert [event.type for event in events] == ["order.created", "order.reserved"]
    assert {event.partner_id for event in events} == {wallet_partner.pk}
    assert events[1].data["url"] == f"/api/v1/orders/{order.pk}"
    assert events[0].public_id.startswith("evt_")


def test_finalize_writes_its_outbox_rows_in_one_insert_with_internal_names_mapped(wallet_partner):
    # given a reserved order
    order = factories.order(owner=wallet_partner, product_obj=factories.product())
    line_reserve(line_id=order.lines.get().pk)
    # when it is finalized (five audit events in one batch)
    with CaptureQueriesContext(connection) as queries:
        finalization.order_finalize(order_id=order.pk, method="wallet", actor=Actor.partner(wallet_partner))
    # then their visible ones are one INSERT, and order.finalized is public order.processing
    assert _inserts(queries.captured_queries, "webhooks_webhookevent") == 1
    types = list(WebhookEvent.objects.filter(order=order).values_list("type", flat=True))
    assert types[2:] == ["payment.paid", "order.processing"]


def test_a_rolled_back_change_emits_nothing(wallet_partner):
    product = factories.product()
    # when an order is created inside a transaction that then rolls back
    with pytest.raises(Rollback), transaction.atomic():
        factories.order(owner=wallet_partner, product_obj=product)
        assert WebhookEvent.objects.filter(type="order.created").count() == 1  # written in it...
        raise Rollback
    # then no event of it survives
    assert WebhookEvent.objects.filter(type="order.created").count() == 0


def test_a_wallet_top_up_is_an_event_once_per_reference(wallet_partner):
    # when the same top-up is booked twice
    for _ in range(2):
        wallet_top_up(
            partner_id=wallet_partner.pk,
            currency="EUR",
            amount="50.00",
            reference="bank:42",
            actor=Actor.system("tests"),
        )
    # then the partner has one wallet.topped_up event, without an order
    event = WebhookEvent.objects.get(type="wallet.topped_up", data__amount="50.00")
    assert (event.partner_id, event.order_id, event.data["amount"]) == (wallet_partner.pk, None, "50.00")


def test_an_invoice_closed_is_an_event_of_its_partner():
    # given a partner's March invoice with one order on it
    partner = factories.partner(invoice=True)
    billed_order(partner, (invoice_product(), 1), at=datetime(2026, 3, 10, 9, 0, tzinfo=UTC))
    # when the ended month closes
    invoices_close(actor=STAFF, today=date(2026, 4, 1))
    # then the partner has an invoice.closed event with its number and total
    event = WebhookEvent.objects.get(type="invoice.closed")
    assert (event.partner_id, event.order_id, event.data["status"]) == (partner.pk, None, "CLOSED")
    assert event.data["number"].startswith("INV-2026-") and event.data["totalAmount"] == "100.00"
