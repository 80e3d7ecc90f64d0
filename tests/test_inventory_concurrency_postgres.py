"""Stock codes under real concurrency: threads ordering the last codes, each on its own connection.

Codes are claimed with SELECT ... FOR UPDATE SKIP LOCKED inside order creation. These tests
release many orders at once on a barrier and check what a buyer of the last codes cares about:
no code goes to two lines, as many orders succeed as there are codes, the rest are told
OUT_OF_STOCK, and a refused order leaves nothing behind. PostgreSQL only (SQLite has no row locks).
"""

import threading
from collections import Counter

import pytest
from django.db import connection, transaction

from orders.models import Order, OrderLine
from orders.services import cancellation, creation
from orders.statuses import LineStatus
from suppliers.errors import OutOfStock
from suppliers.models import CodeStatus, InventoryCode
from suppliers.services import offer_quote
from tessera.actors import Actor
from tests import factories
from tests.inventory_support import stock_product
from tests.threads import BARRIER_TIMEOUT, run_concurrently

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def place_orders(partner, product, quantities: list[int]):
    """Quote one offer per quantity, then create every order at once from its own thread."""
    offers = [
        offer_quote(partner=partner, product_id=product.pk, quantity=quantity, denomination="20.00")
        for quantity in quantities
    ]

    def place(offer):
        return creation.order_create(partner=partner, offer_ids=[offer.pk], actor=Actor.partner(partner))

    return run_concurrently(place, offers, threads=len(offers))


def assert_every_code_on_at_most_one_line(product) -> list[InventoryCode]:
    held = list(InventoryCode.objects.filter(product=product, line__isnull=False))
    lines = [code.line_id for code in held]
    assert len(lines) == len(set(lines)), "a line holds two codes"
    assert {code.status for code in held} <= {CodeStatus.ALLOCATED}
    live = OrderLine.objects.filter(product=product).exclude(status=LineStatus.RELEASED)
    assert live.count() == len(held), "a line holds no code"
    return held


def test_threads_ordering_the_last_codes_get_one_code_each_and_the_rest_are_out_of_stock():
    stock, buyers = 5, 12
    partner = factories.partner(wallet="1000.00")
    product = stock_product(codes=stock)

    outcomes = place_orders(partner, product, [1] * buyers)

    kinds = Counter("ok" if o.error is None else type(o.error).__name__ for o in outcomes)
    assert kinds == {"ok": min(buyers, stock), "OutOfStock": buyers - stock}
    held = assert_every_code_on_at_most_one_line(product)
    assert len(held) == stock
    assert not InventoryCode.objects.filter(product=product, status=CodeStatus.AVAILABLE).exists()
    placed = {o.result.pk for o in outcomes if o.error is None}
    assert set(Order.objects.values_list("pk", flat=True)) == placed
    assert {code.line.order_id for code in held} == placed


def test_an_order_passes_over_a_code_another_order_is_claiming_instead_of_waiting_for_it():
    partner = factories.partner(wallet="1000.00")
    product = stock_product(codes=2)
    offer = offer_quote(partner=partner, product_id=product.pk, quantity=1, denomination="20.00")
    claimed, finish = threading.Event(), threading.Event()
    held = {}

    def claim_first_code_and_hold_it() -> None:
        try:
            with transaction.atomic():
                code = (
                    InventoryCode.objects.select_for_update().filter(product=product).order_by("pk").first()
                )
                held["pk"] = code.pk
                claimed.set()
                finish.wait(BARRIER_TIMEOUT)
        finally:
            connection.close()

    racer = threading.Thread(target=claim_first_code_and_hold_it)
    racer.start()
    assert claimed.wait(BARRIER_TIMEOUT)
    try:
        with connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = '3s'")  # waiting for the lock would fail, not hang
        order = creation.order_create(partner=partner, offer_ids=[offer.pk], actor=Actor.partner(partner))
    finally:
        finish.set()
        racer.join(BARRIER_TIMEOUT)
        with connection.cursor() as cursor:
            cursor.execute("RESET lock_timeout")

    assert InventoryCode.objects.get(line__order=order).pk != held["pk"]


def test_orders_of_several_units_never_share_a_code_and_refused_ones_leave_nothing_claimed():
    stock = 7
    partner = factories.partner(wallet="1000.00")
    product = stock_product(codes=stock)

    outcomes = place_orders(partner, product, [2] * 8)

    placed = [o.result for o in outcomes if o.error is None]
    assert all(isinstance(o.error, OutOfStock) for o in outcomes if o.error is not None)
    # SKIP LOCKED passes over codes a racing order holds, so an order may be refused while
    # another that rolls back holds a code it needed (OUT_OF_STOCK is retryable for that reason):
    # never more orders than codes, and nothing claimed by a refused one.
    assert len(placed) <= stock // 2
    held = assert_every_code_on_at_most_one_line(product)
    assert Counter(code.line.order_id for code in held) == {order.pk: 2 for order in placed}
    available = InventoryCode.objects.filter(product=product, status=CodeStatus.AVAILABLE).count()
    assert available == stock - 2 * len(placed)
    assert Order.objects.count() == len(placed)


def test_codes_a_canceled_order_gave_back_are_sold_again_while_others_race_for_them():
    partner = factories.partner(wallet="1000.00")
    product = stock_product(codes=3)
    first = creation.order_create(
        partner=partner,
        offer_ids=[offer_quote(partner=partner, product_id=product.pk, quantity=3, denomination="20.00").pk],
        actor=Actor.partner(partner),
    )
    cancellation.order_cancel(order_id=first.pk, actor=Actor.partner(partner))

    outcomes = place_orders(partner, product, [1] * 6)

    assert Counter("ok" if o.error is None else type(o.error).__name__ for o in outcomes) == {
        "ok": 3,
        "OutOfStock": 3,
    }
    assert len(assert_every_code_on_at_most_one_line(product)) == 3
