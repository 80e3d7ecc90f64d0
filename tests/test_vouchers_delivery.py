"""Delivery detail from the voucher seed, through the real worker: sub-status along the way,
delivery mode and type, delayed vouchers fetched by their own periodic poll, partial delivery with
the undelivered part credited, and validity shown to the partner and the customer."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from orders.models import Order, OrderEvent, OrderLine, Voucher
from orders.services import fulfilment
from orders.services.delayed_delivery import delayed_vouchers_poll
from payments.models import Refund, Wallet
from payments.providers.base import PaymentState
from payments.services import finalization, gateway
from suppliers.models import Product, SandboxBooking
from tessera.actors import Actor
from tessera.background import schedule
from tessera.models import PeriodicSchedule
from tests import factories
from tests.gateway_support import Customer, reserved_order
from tests.voucher_support import delivered_order, gift_card, vouchers_of

pytestmark = pytest.mark.django_db(transaction=True)

POLL = "orders.tasks.poll_delayed_vouchers"
RECONCILE = "orders.tasks.reconcile_line"


def line_events(line: OrderLine) -> list[str]:
    return list(
        OrderEvent.objects.filter(subject_type="line", subject_id=str(line.pk))
        .order_by("created_at", "id")
        .values_list("transition", flat=True)
    )


def sub_status(line: OrderLine) -> str:
    return OrderLine.objects.values_list("sub_status", flat=True).get(pk=line.pk)


def reserved(partner, product, worker, quantity: int = 1) -> Order:
    order = factories.order(owner=partner, product_obj=product, quantity=quantity)
    worker()
    return order


def finalize(partner, order: Order) -> None:
    finalization.order_finalize(order_id=order.pk, method="wallet", actor=Actor.partner(partner))


def supplier_releases(line: OrderLine) -> None:
    """The delayed supplier's delivery time passes (its acceptance moved into the past)."""
    booking = SandboxBooking.objects.get(line_key=f"line:{line.pk}")
    SandboxBooking.objects.filter(pk=booking.pk).update(
        issue_accepted_at=booking.issue_accepted_at - timedelta(hours=1)
    )


def poll_is_due_for(line: OrderLine, settings) -> None:
    OrderLine.objects.filter(pk=line.pk).update(
        updated_at=timezone.now() - timedelta(seconds=settings.VOUCHER_POLL_SECONDS + 1)
    )


def run_periodic_work(worker) -> None:
    """What a running worker's housekeeping does: enqueue the periodic tasks that are due, run them."""
    schedule.ensure_schedule()
    schedule.enqueue_due()
    worker()


# --- realtime ------------------------------------------------------------------------------


def test_a_realtime_line_goes_vendor_order_pending_then_voucher_fetched(wallet_partner, worker):
    order = reserved(wallet_partner, gift_card(), worker)
    (line,) = order.lines.all()
    assert sub_status(line) == ""

    finalize(wallet_partner, order)
    assert sub_status(line) == "vendor_order_pending"

    worker()
    assert sub_status(line) == "voucher_fetched"
    assert Order.objects.get(pk=order.pk).status == "FULFILLED"


def test_the_order_api_shows_sub_status_delivery_mode_and_type_validity_and_no_secret(
    api, worker, known_secrets
):
    product = gift_card()
    Product.objects.filter(pk=product.pk).update(delivery_mode="offline")
    order = delivered_order(api.partner, worker, product=product)
    (voucher,) = vouchers_of(order)

    body = api.get(f"/orders/{order.pk}").json()

    (line,) = body["lines"]
    assert (line["subStatus"], line["deliveryType"], line["deliveryMode"]) == (
        "voucher_fetched",
        "realtime",
        "offline",
    )
    shown = line["voucher"]
    assert shown["id"] == str(voucher.pk)
    assert (shown["status"], shown["kind"], shown["deliveryMode"]) == ("ACTIVE", "code", "offline")
    assert shown["validFrom"] and shown["validUntil"]
    assert shown["validUntil"].startswith(voucher.valid_until.date().isoformat())
    assert (shown["revokedAt"], shown["revokedReason"]) == (None, "")
    assert not {"code", "pin", "url"} & set(shown)
    assert known_secrets(voucher.line_id)["code"] not in str(body)


def test_the_customers_tickets_page_shows_when_the_voucher_is_valid(known_secrets):
    order = reserved_order(product_obj=gift_card())
    payment = gateway.payment_start(order_id=order.pk)
    gateway.payment_apply_state(
        payment_id=payment.pk, state=PaymentState.PAID, actor=Actor.system("t"), source="t"
    )
    fulfilment.line_issue(line_id=order.lines.get().pk)
    (voucher,) = vouchers_of(order)

    page = Customer(order).open("tickets").content.decode()

    assert "Valid from" in page and "Valid until" in page
    assert voucher.valid_until.strftime("%-d %b %Y") in page


# --- delayed -------------------------------------------------------------------------------


def test_a_delayed_voucher_is_accepted_then_fetched_by_the_periodic_poll(wallet_partner, worker, settings):
    # given a supplier that releases vouchers a while after accepting the order (real time)
    settings.SANDBOX_TIME_SCALE = 1.0
    product = gift_card(late=30)
    Product.objects.filter(pk=product.pk).update(delivery="delayed")
    order = reserved(wallet_partner, product, worker)
    (line,) = order.lines.all()

    # when the order is finalized and the worker has done all it can now
    finalize(wallet_partner, order)
    worker()

    # then the supplier accepted the order, the first fetch found no voucher yet, and nothing
    # more is queued: from here on the periodic poll asks
    assert line_events(line)[-2:] == ["line.issuing", "line.issuance_accepted"]
    assert sub_status(line) == "voucher_fetch_pending"
    assert not Voucher.objects.filter(line=line).exists()
    assert not DBTaskResult.objects.ready().exists()
    assert Order.objects.get(pk=order.pk).status == "PROCESSING"

    # when the poll runs before the supplier is ready, the line keeps waiting
    poll_is_due_for(line, settings)
    run_periodic_work(worker)
    assert DBTaskResult.objects.successful().filter(task_path=POLL, return_value=1).count() == 1
    assert sub_status(line) == "voucher_fetch_pending"

    # when the supplier releases the voucher and the poll is due again
    supplier_releases(line)
    poll_is_due_for(line, settings)
    PeriodicSchedule.objects.filter(task_path=POLL).update(next_run_at=timezone.now())
    run_periodic_work(worker)

    # then the poll fetched it: the line is ISSUED with its voucher, and the order FULFILLED
    line.refresh_from_db()
    assert (line.status, line.sub_status) == ("ISSUED", "voucher_fetched")
    assert Voucher.objects.filter(line=line).count() == 1
    assert Order.objects.get(pk=order.pk).status == "FULFILLED"
    assert line_events(line) == ["line.reserved", "line.issuing", "line.issuance_accepted", "line.issued"]
    assert len(SandboxBooking.objects.get(line_key=f"line:{line.pk}").issued_keys) == 1


def test_the_poll_asks_only_about_delayed_lines_that_are_due(wallet_partner, worker, settings):
    # given two lines a supplier accepted for later delivery, one of them asked about just now,
    # and a line being issued in real time whose task has not run yet
    settings.SANDBOX_TIME_SCALE = 1.0
    due, recent = (reserved(wallet_partner, gift_card(late=30), worker) for _ in range(2))
    realtime = reserved(wallet_partner, gift_card(), worker)
    for order in (due, recent):
        finalize(wallet_partner, order)
    worker()
    finalize(wallet_partner, realtime)
    DBTaskResult.objects.all().delete()
    poll_is_due_for(due.lines.get(), settings)
    OrderLine.objects.filter(order=realtime).update(updated_at=timezone.now() - timedelta(hours=1))

    asked = delayed_vouchers_poll()

    assert asked == 1
    queued = [
        task.args_kwargs["kwargs"]["line_id"] for task in DBTaskResult.objects.filter(task_path=RECONCILE)
    ]
    assert queued == [due.lines.get().pk]


def test_the_delayed_voucher_poll_runs_periodically_every_voucher_poll_seconds(settings):
    assert settings.PERIODIC_TASKS[POLL] == settings.VOUCHER_POLL_SECONDS == 10.0


# --- partial delivery ------------------------------------------------------------------------


def test_partial_delivery_through_the_worker_delivers_vouchers_for_issued_lines_and_credits_the_rest(
    api, worker, known_secrets
):
    # given 3 gift cards of 25.00 from a supplier that cannot issue every second one
    wallet = Wallet.objects.get(partner=api.partner)
    start = wallet.balance
    order = delivered_order(api.partner, worker, product=gift_card(partial=True), quantity=3)

    # then the order is partly fulfilled: lines 1 and 3 have vouchers, line 2 failed and was credited
    assert order.status == "PARTIALLY_FULFILLED"
    lines = list(order.lines.order_by("position"))
    assert [(line.status, line.sub_status) for line in lines] == [
        ("ISSUED", "voucher_fetched"),
        ("FAILED", ""),
        ("ISSUED", "voucher_fetched"),
    ]
    assert [voucher.line.position for voucher in vouchers_of(order)] == [1, 3]
    (credit,) = Refund.objects.filter(order=order)
    assert [refund_line.line.position for refund_line in credit.refund_lines.all()] == [2]
    wallet.refresh_from_db()
    assert wallet.balance == start - Decimal("75.00") + Decimal("25.00")

    # and the partner sees the two codes and the failed line without one
    items = api.get(f"/orders/{order.pk}/vouchers").json()["items"]
    assert [(item["lineStatus"], bool(item["voucher"] and item["voucher"]["code"])) for item in items] == [
        ("ISSUED", True),
        ("FAILED", False),
        ("ISSUED", True),
    ]
