"""When the supplier delivers only part of an order, or nothing, the money comes back by itself.

Given a supplier that refuses some or all items, when the worker issues, then the order ends
PARTIALLY_FULFILLED or FAILED, the undelivered part is refunded exactly once (a wallet credit for
wallet partners, nothing billed for invoice partners), and the wallet's balance always equals the
sum of its ledger.
"""

from decimal import Decimal

import pytest
from django.db import DatabaseError, transaction
from django_tasks_db.models import DBTaskResult

from orders import tasks
from orders.locks import lock_lines, lock_order
from orders.models import Order, OrderEvent, Voucher
from orders.services import creation, editing
from orders.services.fulfilment import settle_order
from payments.models import (
    LedgerEntry,
    LedgerKind,
    Payment,
    PaymentStatus,
    Refund,
    RefundStatus,
    Wallet,
)
from payments.services import finalization
from payments.services import refunds as payments_refunds
from payments.services.wallets import wallet_ledger_total
from suppliers.models import SandboxBooking, SupplierKind
from suppliers.services import offer_quote
from tessera.actors import Actor
from tests import factories

pytestmark = pytest.mark.django_db(transaction=True)

STARTING_BALANCE = Decimal("1000.00")


def assert_no_task_crashed() -> None:
    assert list(DBTaskResult.objects.failed().values_list("task_path", "traceback")) == []


def wallet_of(partner) -> Wallet:
    return Wallet.objects.get(partner=partner, currency="EUR")


def money_snapshot(order: Order) -> tuple:
    """Everything that moves money for an order: ledger entries, refunds, the payment's status."""
    return (
        sorted(LedgerEntry.objects.filter(order=order).values_list("pk", "kind", "amount")),
        sorted(Refund.objects.filter(order=order).values_list("pk", "status", "amount")),
        Payment.objects.get(order=order).status,
        Wallet.objects.filter(partner=order.partner).values_list("balance", flat=True).first(),
    )


def fulfil(partner, product, *, worker, quantity=1, denomination=None, method="wallet") -> Order:
    order = factories.order(owner=partner, product_obj=product, quantity=quantity, denomination=denomination)
    worker()
    finalization.order_finalize(order_id=order.pk, method=method, actor=Actor.partner(partner))
    worker()
    return Order.objects.get(pk=order.pk)


def partial_voucher_product():
    # the sandbox refuses every second line of the order (positions 2, 4, ...)
    return factories.product(kind=SupplierKind.VOUCHER, denominations=["25.00"], behaviour={"partial": True})


# --- partial delivery ------------------------------------------------------------------------------


def test_partial_delivery_refunds_exactly_the_undelivered_lines_to_the_wallet(wallet_partner, worker):
    # given / when: four vouchers of 25.00, of which the supplier delivers 1 and 3
    order = fulfil(wallet_partner, partial_voucher_product(), quantity=4, denomination="25.00", worker=worker)

    # then: the order says what happened, line by line
    assert_no_task_crashed()
    assert order.status == "PARTIALLY_FULFILLED"
    lines = {line.position: line for line in order.lines.all()}
    assert {position: line.status for position, line in lines.items()} == {
        1: "ISSUED",
        2: "FAILED",
        3: "ISSUED",
        4: "FAILED",
    }
    assert {lines[2].failure_code, lines[4].failure_code} == {"OUT_OF_STOCK"}
    assert sorted(Voucher.objects.filter(line__order=order).values_list("line__position", flat=True)) == [
        1,
        3,
    ]

    # one automatic refund of exactly the failed lines
    refund = Refund.objects.get(order=order)
    failed_amount = lines[2].amount + lines[4].amount
    assert failed_amount == Decimal("50.00")
    assert (refund.status, refund.reason, refund.amount, refund.currency) == (
        RefundStatus.SUCCEEDED,
        "not_delivered",
        failed_amount,
        "EUR",
    )
    assert sorted(refund.lines.values_list("position", flat=True)) == [2, 4]

    # the wallet was debited the total and credited the failed part, and agrees with its ledger
    entries = sorted(LedgerEntry.objects.filter(order=order).values_list("kind", "amount"))
    assert entries == sorted([(LedgerKind.DEBIT, -order.total_amount), (LedgerKind.CREDIT, failed_amount)])
    wallet = wallet_of(wallet_partner)
    assert wallet.balance == STARTING_BALANCE - order.total_amount + failed_amount == Decimal("950.00")
    assert wallet_ledger_total(wallet) == wallet.balance

    payment = Payment.objects.get(order=order)
    assert (payment.status, payment.amount) == (PaymentStatus.PARTIALLY_REFUNDED, order.total_amount)
    assert payments_refunds.refundable_amount(payment) == order.total_amount - failed_amount


def test_an_order_edited_before_finalizing_is_still_partially_fulfilled_and_refunded(wallet_partner, worker):
    # Given an order whose details the partner changed while PENDING
    order = factories.order(
        owner=wallet_partner, product_obj=partial_voucher_product(), quantity=2, denomination="25.00"
    )
    editing.order_update_details(
        order_id=order.pk, actor=Actor.partner(wallet_partner), metadata={"seat": "12A"}
    )
    assert Order.objects.get(pk=order.pk).version == 1
    worker()

    # When it is finalized and the supplier delivers only its first line
    finalization.order_finalize(order_id=order.pk, method="wallet", actor=Actor.partner(wallet_partner))
    worker()

    # Then it is PARTIALLY_FULFILLED and the undelivered line's money is back on the wallet
    order = Order.objects.get(pk=order.pk)
    assert order.status == "PARTIALLY_FULFILLED"
    assert wallet_of(wallet_partner).balance == STARTING_BALANCE - Decimal("25.00")


def test_partial_delivery_is_recorded_on_the_order_timeline(wallet_partner, worker):
    # given / when
    order = fulfil(wallet_partner, partial_voucher_product(), quantity=4, denomination="25.00", worker=worker)

    # then
    settled = OrderEvent.objects.get(
        order=order, subject_type="order", transition="order.partially_fulfilled"
    )
    assert settled.payload == {"issued": [1, 3], "failed": [2, 4]}
    refund_trail = list(
        OrderEvent.objects.filter(order=order, subject_type="refund").values_list("transition", "to_status")
    )
    assert refund_trail == [
        ("refund.requested", "REQUESTED"),
        ("refund.processing", "PROCESSING"),
        ("refund.succeeded", "SUCCEEDED"),
    ]
    assert (
        OrderEvent.objects.filter(
            order=order,
            subject_type="payment",
            transition="payment.partially_refunded",
            to_status="PARTIALLY_REFUNDED",
        ).count()
        == 1
    )


def test_invoice_partial_delivery_records_the_refund_without_any_ledger_entry(invoice_partner, worker):
    # given / when
    order = fulfil(
        invoice_partner,
        partial_voucher_product(),
        quantity=4,
        denomination="25.00",
        method="invoice",
        worker=worker,
    )

    # then: the undelivered part is not billed, and no wallet money moves
    assert_no_task_crashed()
    assert order.status == "PARTIALLY_FULFILLED"
    refund = Refund.objects.get(order=order)
    assert (refund.status, refund.reason, refund.amount) == (
        RefundStatus.SUCCEEDED,
        "not_delivered",
        Decimal("50.00"),
    )
    assert not LedgerEntry.objects.filter(order=order).exists()
    assert not Wallet.objects.filter(partner=invoice_partner).exists()
    payment = Payment.objects.get(order=order)
    assert (payment.method, payment.status) == ("invoice", PaymentStatus.PARTIALLY_REFUNDED)


def test_running_the_worker_and_settling_again_credits_nothing_twice(wallet_partner, worker):
    # given: a partially delivered order whose failed part was credited back
    order = fulfil(wallet_partner, partial_voucher_product(), quantity=4, denomination="25.00", worker=worker)
    before = money_snapshot(order)
    assert len(before[0]) == 2  # one debit, one credit

    # when: every line's issue and reconcile task is delivered again, and the worker runs
    for line in order.lines.all():
        tasks.issue_line.enqueue(line_id=line.pk)
        tasks.reconcile_line.enqueue(line_id=line.pk)
    worker()
    # and the order is settled again from its lines
    with transaction.atomic():
        locked = lock_order(order.pk)
        settle_order(locked, lock_lines(locked))

    # then
    assert_no_task_crashed()
    assert money_snapshot(order) == before
    assert Order.objects.get(pk=order.pk).status == "PARTIALLY_FULFILLED"
    assert Voucher.objects.filter(line__order=order).count() == 2
    wallet = wallet_of(wallet_partner)
    assert wallet_ledger_total(wallet) == wallet.balance == Decimal("950.00")


def test_refunding_the_same_undelivered_lines_again_credits_nothing(wallet_partner, worker):
    # given: a partially delivered order whose failed part was credited back
    order = fulfil(wallet_partner, partial_voucher_product(), quantity=4, denomination="25.00", worker=worker)
    before = money_snapshot(order)

    # when: the automatic refund of the same lines is asked for a second time
    try:
        with transaction.atomic():
            locked = lock_order(order.pk)
            failed = [line for line in lock_lines(locked) if line.status == "FAILED"]
            payments_refunds.refund_undelivered(order=locked, lines=failed, actor=Actor.system("tests"))
    except DatabaseError:
        pass  # refusing is fine too; what matters is that no money moves

    # then
    assert money_snapshot(order) == before


# --- nothing delivered ------------------------------------------------------------------------------


def test_nothing_issued_fails_the_order_and_returns_all_money(wallet_partner, worker):
    # given / when: the supplier refuses to issue anything
    product = factories.product(kind=SupplierKind.RAIL, price="120.00", behaviour={"fail": "issue"})
    order = fulfil(wallet_partner, product, quantity=2, worker=worker)

    # then
    assert_no_task_crashed()
    assert order.status == "FAILED"
    assert list(order.lines.values_list("status", "failure_code")) == [("FAILED", "ISSUE_REFUSED")] * 2
    assert not Voucher.objects.filter(line__order=order).exists()
    refund = Refund.objects.get(order=order)
    assert (refund.status, refund.reason, refund.amount) == (
        RefundStatus.SUCCEEDED,
        "not_delivered",
        Decimal("240.00"),
    )
    assert Payment.objects.get(order=order).status == PaymentStatus.REFUNDED
    assert sorted(LedgerEntry.objects.filter(order=order).values_list("kind", "amount")) == sorted(
        [(LedgerKind.DEBIT, Decimal("-240.00")), (LedgerKind.CREDIT, Decimal("240.00"))]
    )
    wallet = wallet_of(wallet_partner)
    assert wallet.balance == STARTING_BALANCE
    assert wallet_ledger_total(wallet) == wallet.balance
    assert (
        OrderEvent.objects.filter(
            order=order, subject_type="order", transition="order.issuance_failed"
        ).count()
        == 1
    )


# --- reservation refused ------------------------------------------------------------------------------


def test_refused_reservation_fails_the_pending_order_and_releases_the_other_line(wallet_partner, worker):
    # given: an order of two offers, the second of which the supplier will not reserve
    good = factories.product(kind=SupplierKind.EVENT, price="40.00")
    sold_out = factories.product(kind=SupplierKind.EVENT, price="60.00", behaviour={"fail": "reserve"})
    offers = [offer_quote(partner=wallet_partner, product_id=product.pk) for product in (good, sold_out)]
    order = creation.order_create(
        partner=wallet_partner, offer_ids=[offer.pk for offer in offers], actor=Actor.partner(wallet_partner)
    )
    entries_before = LedgerEntry.objects.filter(wallet__partner=wallet_partner).count()

    # when
    worker()

    # then: the order failed while PENDING, and the good line's hold was given back
    assert_no_task_crashed()
    order.refresh_from_db()
    assert order.status == "FAILED"
    assert OrderEvent.objects.get(
        order=order, subject_type="order", transition="order.reservation_failed"
    ).from_status == ("PENDING")
    lines = {line.position: line for line in order.lines.all()}
    assert (lines[1].status, lines[2].status) == ("RELEASED", "FAILED")
    assert lines[2].failure_code == "SOLD_OUT"
    booking = SandboxBooking.objects.get(line_key=f"line:{lines[1].pk}")
    assert booking.state == "RELEASED"
    assert booking.released_at is not None
    assert (
        OrderEvent.objects.filter(
            order=order, subject_type="line", subject_id=str(lines[1].pk), transition="line.release_confirmed"
        ).count()
        == 1
    )

    # and no money moved
    assert not Payment.objects.filter(order=order).exists()
    assert not Refund.objects.filter(order=order).exists()
    assert LedgerEntry.objects.filter(wallet__partner=wallet_partner).count() == entries_before
    assert wallet_of(wallet_partner).balance == STARTING_BALANCE
