"""An instant order costs fewer database statements than the hold flow it replaces.

Given the same product, when one order goes the hold flow's way (quote, create, one poll, the
worker's reservation, finalize) and another the instant way (one create with payment and lines,
the worker's reservation, which pays it too), then the instant order's statements, counted with
Django's CaptureQueriesContext on the requests and the reservation task, are fewer; and its
reservation task costs at most a handful more than a plain one, since finalizing rides in its
transaction (no task, no request of its own).
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from orders.models import Order, OrderLine
from orders.services import fulfilment
from tests import factories
from tests.api_support import client_for, travellers_json
from tests.instant_support import instant_body

pytestmark = pytest.mark.django_db(transaction=True)

# What paying adds to the reservation's transaction: the payment, the wallet and its hold, the
# ledger entry, the lines' and order's transitions and their events, the issue task.
MOST_ADDED_TO_THE_RESERVATION = 12


def statements(call) -> tuple[int, object]:
    with CaptureQueriesContext(connection) as captured:
        result = call()
    return len(captured.captured_queries), result


def reserve(order_id) -> int:
    line_ids = list(OrderLine.objects.filter(order_id=order_id).values_list("pk", flat=True))
    count, _ = statements(lambda: fulfilment.booking_reserve(line_ids=line_ids))
    return count


def test_an_instant_order_takes_fewer_statements_than_the_hold_flow(capsys):
    partner = factories.partner(wallet="1000.00")
    api = client_for(partner)
    product = factories.product(price="100.00")
    api.get("/wallets")  # the first request of a process warms caches; count from the second

    # given the hold flow: quote, create, poll once, reserve, finalize
    quote, offer = statements(lambda: api.quote(product))
    create, plain = statements(
        lambda: api.post("/orders", {"offers": [offer["id"]], "travellers": travellers_json(1)})
    )
    plain_id = plain.json()["id"]
    plain_reserve = reserve(plain_id)
    poll, _ = statements(lambda: api.get(f"/orders/{plain_id}"))
    finalize, paid = statements(lambda: api.post(f"/orders/{plain_id}/finalize", {"method": "wallet"}))
    assert paid.status_code == 200, paid.json()
    hold_flow = quote + create + plain_reserve + poll + finalize

    # when the instant flow: one create, then the reservation that pays it
    instant_create, instant = statements(lambda: api.post("/orders", instant_body(product)))
    assert instant.status_code == 202, instant.json()
    instant_reserve = reserve(instant.json()["id"])
    instant_flow = instant_create + instant_reserve

    # then it is cheaper, and paying costs the reservation only a few statements
    with capsys.disabled():
        print(
            f"\nstatements per order: hold flow {hold_flow} (quote {quote}, create {create}, "
            f"reserve {plain_reserve}, poll {poll}, finalize {finalize}); instant flow {instant_flow} "
            f"(create {instant_create}, reserve and pay {instant_reserve})"
        )
    assert Order.objects.get(pk=instant.json()["id"]).status == "PROCESSING"
    assert instant_flow < hold_flow
    assert instant_reserve - plain_reserve <= MOST_ADDED_TO_THE_RESERVATION
