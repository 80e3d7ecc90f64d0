"""Orders of stock products: codes claimed at order time, delivered as vouchers, released or revoked.

AVAILABLE -> ALLOCATED when the order is created (out of stock is refused then, nothing created),
ALLOCATED -> DELIVERED when the worker issues the line, back to AVAILABLE when the order is
canceled, expires or fails, DELIVERED -> REVOKED when the line is refunded.
"""

from datetime import timedelta

import pytest
from django.utils import timezone

from orders.models import Order, OrderEvent, OrderLine
from orders.services import cancellation, creation
from orders.statuses import LineStatus, LineSubStatus, VoucherStatus
from orders.stock import code_secret, stock_codes_block
from orders.stock_adapter import adapter_for_line
from orders.vouchers import voucher_secret
from payments.services import finalization
from payments.services.refunds import refund_request
from suppliers.adapters.base import RemoteState
from suppliers.errors import OutOfStock
from suppliers.models import CodeStatus, InventoryCode, Offer
from suppliers.services import offer_quote
from tessera.actors import Actor
from tests import factories
from tests.inventory_support import IMPORTER, import_codes, stock_order, stock_product

pytestmark = pytest.mark.django_db(transaction=True)


def codes_by_status(product) -> dict[str, int]:
    counts: dict[str, int] = {}
    for status in product.inventory_codes.values_list("status", flat=True):
        counts[status] = counts.get(status, 0) + 1
    return counts


def finalize(order, worker) -> Order:
    worker()
    finalization.order_finalize(order_id=order.pk, method="wallet", actor=Actor.partner(order.partner))
    worker()
    return Order.objects.get(pk=order.pk)


# --- order time ---------------------------------------------------------------------------------


def test_an_order_claims_one_code_per_line_when_it_is_created(wallet_partner):
    product = stock_product(codes=5)

    order = stock_order(wallet_partner, product, quantity=2)

    lines = list(order.lines.order_by("position"))
    held = {code.line_id: code for code in InventoryCode.objects.filter(line__order=order)}
    assert set(held) == {line.pk for line in lines}
    assert {code.status for code in held.values()} == {CodeStatus.ALLOCATED}
    assert all(code.allocated_at is not None for code in held.values())
    assert [line.sub_status for line in lines] == [LineSubStatus.STOCK_ALLOCATED] * 2
    assert codes_by_status(product) == {CodeStatus.AVAILABLE: 3, CodeStatus.ALLOCATED: 2}
    events = OrderEvent.objects.filter(order=order, subject_type="stock_code")
    assert (
        sorted((e.transition, e.from_status, e.to_status) for e in events)
        == [("stock_code.allocated", "AVAILABLE", "ALLOCATED")] * 2
    )


def test_out_of_stock_is_a_409_problem_at_order_time_and_nothing_is_created(api):
    product = stock_product(codes=1)
    offer = api.quote(product, quantity=2, denomination="20.00")

    response = api.post("/orders", {"offers": [offer["id"]]})

    assert response.status_code == 409
    problem = response.json()
    assert (problem["errorCode"], problem["fault"], problem["retryable"]) == (
        "OUT_OF_STOCK",
        "supplier",
        True,
    )
    assert "2 wanted" in problem["detail"]
    assert not Order.objects.exists() and not OrderLine.objects.exists()
    assert Offer.objects.get(pk=offer["id"]).used_at is None
    assert codes_by_status(product) == {CodeStatus.AVAILABLE: 1}


def test_an_order_of_two_stock_products_is_refused_whole_when_either_runs_out(wallet_partner):
    plenty, scarce = stock_product(codes=3), stock_product(codes=1)
    offers = [
        offer_quote(partner=wallet_partner, product_id=product.pk, quantity=2, denomination="20.00")
        for product in (plenty, scarce)
    ]

    with pytest.raises(OutOfStock):
        creation.order_create(
            partner=wallet_partner, offer_ids=[o.pk for o in offers], actor=Actor.partner(wallet_partner)
        )

    assert codes_by_status(plenty) == {CodeStatus.AVAILABLE: 3}
    assert codes_by_status(scarce) == {CodeStatus.AVAILABLE: 1}
    assert not OrderEvent.objects.exists()


def test_blocked_revoked_and_expired_codes_are_never_sold(wallet_partner):
    product = stock_product()
    import_codes(product, ["BLOCKED-1", "EXPIRED-1", "GOOD-1"])
    blocked, expired, good = product.inventory_codes.order_by("pk")
    stock_codes_block(code_ids=[blocked.pk], actor=IMPORTER)
    InventoryCode.objects.filter(pk=expired.pk).update(valid_until=timezone.now() - timedelta(minutes=1))

    with pytest.raises(OutOfStock):
        stock_order(wallet_partner, product, quantity=2)
    order = stock_order(wallet_partner, product, quantity=1)

    assert InventoryCode.objects.get(line__order=order).pk == good.pk


# --- delivery -------------------------------------------------------------------------------------


def test_the_worker_delivers_the_stock_code_as_the_line_voucher(wallet_partner, worker):
    product = stock_product()
    import_codes(product, ["DELIVER-ME-0001"], pin="4321")

    order = finalize(stock_order(wallet_partner, product), worker)

    assert order.status == "FULFILLED"
    line = order.lines.select_related("voucher").get()
    code = InventoryCode.objects.get(line=line)
    assert code.status == CodeStatus.DELIVERED and code.delivered_at is not None
    assert (voucher_secret(line.voucher, "code"), voucher_secret(line.voucher, "pin")) == (
        "DELIVER-ME-0001",
        "4321",
    )
    assert line.voucher.code_digest == code.code_digest
    assert line.voucher.valid_until == code.valid_until
    assert line.supplier_booking_ref == f"STK-{code.pk}"
    assert OrderEvent.objects.filter(
        order=order, subject_type="stock_code", transition="stock_code.delivered", to_status="DELIVERED"
    ).exists()


def test_the_stock_answers_a_repeated_issue_with_the_same_code_delivered_once(wallet_partner, worker):
    product = stock_product(codes=2)
    order = finalize(stock_order(wallet_partner, product), worker)
    line = OrderLine.objects.select_related("product", "supplier", "voucher").get(order=order)
    stock = adapter_for_line(line)

    again = stock.issue(line, idempotency_key=line.supplier_key("issue"))  # a retry after a crash
    report = stock.status(line, idempotency_key=line.supplier_key("issue"))

    assert again.items[0].code == report.items[0].code == voucher_secret(line.voucher, "code")
    assert (again.booking_reference, report.state) == (line.supplier_booking_ref, RemoteState.ISSUED)
    assert codes_by_status(product) == {CodeStatus.DELIVERED: 1, CodeStatus.AVAILABLE: 1}
    assert (
        OrderEvent.objects.filter(
            order=order, subject_type="stock_code", transition="stock_code.delivered"
        ).count()
        == 1
    )


# --- back to stock ----------------------------------------------------------------------------------


def test_canceling_an_order_puts_its_codes_back_in_stock_at_once(wallet_partner, worker):
    product = stock_product(codes=2)
    order = stock_order(wallet_partner, product, quantity=2)
    worker()

    cancellation.order_cancel(order_id=order.pk, actor=Actor.partner(wallet_partner))

    assert codes_by_status(product) == {CodeStatus.AVAILABLE: 2}  # before any worker runs
    assert not InventoryCode.objects.filter(line__order=order).exists()
    releases = OrderEvent.objects.filter(
        order=order, subject_type="stock_code", transition="stock_code.released"
    )
    assert releases.count() == 2
    assert stock_order(wallet_partner, product, quantity=2).lines.count() == 2  # sold again
    worker()  # the stock's own cancel finds nothing left to release
    assert releases.count() == 2
    assert codes_by_status(product) == {CodeStatus.ALLOCATED: 2}


def test_an_expired_order_puts_its_codes_back_in_stock(wallet_partner, worker):
    product = stock_product(codes=1)
    order = stock_order(wallet_partner, product)
    Order.objects.filter(pk=order.pk).update(expires_at=timezone.now() - timedelta(seconds=1))

    assert cancellation.orders_expire_due() == 1

    assert Order.objects.get(pk=order.pk).status == "EXPIRED"
    assert codes_by_status(product) == {CodeStatus.AVAILABLE: 1}
    worker()
    assert codes_by_status(product) == {CodeStatus.AVAILABLE: 1}


def test_an_order_whose_other_line_fails_to_reserve_puts_its_codes_back(wallet_partner, worker):
    stock, sold_out = stock_product(codes=1), factories.product(behaviour={"fail": "reserve"})
    offers = [
        offer_quote(partner=wallet_partner, product_id=stock.pk, quantity=1, denomination="20.00"),
        offer_quote(partner=wallet_partner, product_id=sold_out.pk, quantity=1),
    ]
    order = creation.order_create(
        partner=wallet_partner,
        offer_ids=[o.pk for o in offers],
        travellers=factories.travellers(1),
        actor=Actor.partner(wallet_partner),
    )

    worker()

    assert Order.objects.get(pk=order.pk).status == "FAILED"
    assert codes_by_status(stock) == {CodeStatus.AVAILABLE: 1}


def test_a_refunded_stock_line_revokes_its_code_and_voucher(wallet_partner, worker):
    product = stock_product(codes=2)
    order = finalize(stock_order(wallet_partner, product, quantity=2), worker)
    first = order.lines.order_by("position").first()

    refund_request(
        order_id=order.pk,
        line_ids=[first.pk],
        reason="requested",
        note="",
        actor=Actor.partner(wallet_partner),
        idempotency_key="refund-stock-1",
    )
    worker()

    first.refresh_from_db()
    assert first.status == LineStatus.REFUNDED
    code = InventoryCode.objects.get(line=first)
    assert code.status == CodeStatus.REVOKED
    assert first.voucher.status == VoucherStatus.REVOKED
    assert codes_by_status(product) == {CodeStatus.REVOKED: 1, CodeStatus.DELIVERED: 1}
    assert code_secret(code, "code")  # the row keeps its sealed code, for the record
