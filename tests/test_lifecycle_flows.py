"""Every product flow from creation to FULFILLED through the real worker, and the audit it leaves.

Given an order for a product of each kind, paid by wallet or by invoice, when the worker
reserves, the partner finalizes and the worker issues, then the order is FULFILLED, every line
is ISSUED with exactly one voucher, the money moved exactly once, and the timeline tells who did
what under which correlation id.
"""

from datetime import timedelta
from decimal import Decimal

import pytest
from django_tasks_db.models import DBTaskResult

from orders.models import Order, OrderEvent, Voucher
from orders.services import fulfilment
from orders.vouchers import voucher_secret
from payments.models import LedgerEntry, LedgerKind, Payment, PaymentStatus, Wallet
from payments.services import finalization as payments_finalization
from payments.services.wallets import wallet_ledger_total
from suppliers.models import SandboxBooking, SupplierKind
from tessera import correlation
from tessera.actors import Actor
from tests import factories

pytestmark = pytest.mark.django_db(transaction=True)

STARTING_BALANCE = Decimal("1000.00")

# kind, product options, quantity, denomination, expected total
FLOWS = {
    "rail": (SupplierKind.RAIL, {"price": "89.90"}, 2, None, Decimal("179.80")),
    "air": (SupplierKind.AIR, {"price": "259.90"}, 1, None, Decimal("259.90")),
    "event": (SupplierKind.EVENT, {"price": "45.50"}, 2, None, Decimal("91.00")),
    "voucher": (SupplierKind.VOUCHER, {"denominations": ["25.00", "50.00"]}, 3, "50.00", Decimal("150.00")),
}


def assert_no_task_crashed() -> None:
    crashed = list(DBTaskResult.objects.failed().values_list("task_path", "traceback"))
    assert crashed == []


def wallet_of(partner) -> Wallet:
    return Wallet.objects.get(partner=partner, currency="EUR")


def run_to_fulfilment(partner, product, *, quantity=1, denomination=None, method, worker) -> Order:
    order = factories.order(owner=partner, product_obj=product, quantity=quantity, denomination=denomination)
    worker()
    payments_finalization.order_finalize(order_id=order.pk, method=method, actor=Actor.partner(partner))
    worker()
    return Order.objects.get(pk=order.pk)


# --- every product kind, both billing modes ------------------------------------------------


@pytest.mark.parametrize("flow", list(FLOWS))
@pytest.mark.parametrize("method", ["wallet", "invoice"])
def test_order_of_each_kind_is_fulfilled_with_one_voucher_per_line(request, flow, method, worker):
    # given
    partner = request.getfixturevalue(f"{method}_partner")
    kind, options, quantity, denomination, total = FLOWS[flow]
    product = factories.product(kind=kind, **options)

    # when
    order = run_to_fulfilment(
        partner, product, quantity=quantity, denomination=denomination, method=method, worker=worker
    )

    # then: the order and every line are delivered
    assert_no_task_crashed()
    assert order.status == "FULFILLED"
    assert order.total_amount == total
    assert order.payment_method == method
    lines = list(order.lines.order_by("position"))
    assert [line.status for line in lines] == ["ISSUED"] * quantity
    assert all(line.supplier_booking_ref for line in lines)

    # exactly one voucher per line, of the right kind, whose secret opens
    vouchers = list(Voucher.objects.filter(line__order=order).order_by("line__position"))
    assert [voucher.line_id for voucher in vouchers] == [line.pk for line in lines]
    expected_kind = "code" if kind == SupplierKind.VOUCHER else "ticket"
    assert {voucher.kind for voucher in vouchers} == {expected_kind}
    assert all(voucher_secret(voucher, "code") for voucher in vouchers)

    # the supplier issued each line exactly once
    bookings = SandboxBooking.objects.filter(line_key__in=[f"line:{line.pk}" for line in lines])
    assert sorted(len(booking.issued_keys) for booking in bookings) == [1] * quantity

    # one payment, paid in full
    payment = Payment.objects.get(order=order)
    assert (payment.method, payment.status, payment.amount, payment.currency) == (
        method,
        PaymentStatus.PAID,
        total,
        "EUR",
    )
    assert payment.paid_at is not None

    entries = list(LedgerEntry.objects.filter(order=order))
    if method == "wallet":
        assert [(entry.kind, entry.amount) for entry in entries] == [(LedgerKind.DEBIT, -total)]
        wallet = wallet_of(partner)
        assert wallet.balance == STARTING_BALANCE - total
        assert wallet_ledger_total(wallet) == wallet.balance
    else:
        assert entries == []
        assert not Wallet.objects.filter(partner=partner).exists()


# --- the audit trail ---------------------------------------------------------------------------


EXPECTED_TRAIL = [
    ("order", "order.created"),
    ("line", "line.reserved"),
    ("order", "order.reserved"),
    ("payment", "payment.created"),
    ("payment", "payment.started"),
    ("payment", "payment.paid"),
    ("order", "order.finalized"),
    ("line", "line.issuing"),
    ("line", "line.issued"),
    ("voucher", "voucher.delivered"),
    ("order", "order.fulfilled"),
]


def test_one_line_order_leaves_the_expected_trail_of_events(wallet_partner, worker):
    # given / when
    order = run_to_fulfilment(wallet_partner, factories.product(), method="wallet", worker=worker)

    # then
    events = list(OrderEvent.objects.filter(order=order))
    assert [(event.subject_type, event.transition) for event in events] == EXPECTED_TRAIL
    line = order.lines.get()
    payment = Payment.objects.get(order=order)
    voucher = Voucher.objects.get(line=line)
    subjects = {
        "order": str(order.pk),
        "line": str(line.pk),
        "payment": str(payment.pk),
        "voucher": str(voucher.pk),
    }
    assert all(event.subject_id == subjects[event.subject_type] for event in events)
    # the line's status path, read from the events, is the lifecycle's
    assert [(e.from_status, e.to_status) for e in events if e.subject_type == "line"] == [
        ("RESERVING", "RESERVED"),
        ("RESERVED", "ISSUING"),
        ("ISSUING", "ISSUED"),
    ]
    assert [(e.from_status, e.to_status) for e in events if e.subject_type == "order"] == [
        ("", "PENDING"),
        ("", "PENDING"),
        ("PENDING", "PROCESSING"),
        ("PROCESSING", "FULFILLED"),
    ]


def test_every_event_names_its_actor_and_a_correlation_id(wallet_partner, worker):
    # given / when
    order = run_to_fulfilment(wallet_partner, factories.product(), method="wallet", worker=worker)

    # then
    events = list(OrderEvent.objects.filter(order=order))
    assert len(events) == len(EXPECTED_TRAIL)
    assert all(event.correlation_id for event in events)
    actors = {
        (event.transition, event.subject_type): (event.actor_kind, event.actor_label) for event in events
    }
    partner_actor = ("partner", wallet_partner.name)
    worker_actor = ("system", "worker")
    assert actors == {
        ("order.created", "order"): partner_actor,
        ("line.reserved", "line"): worker_actor,
        ("order.reserved", "order"): worker_actor,
        ("payment.created", "payment"): partner_actor,
        ("payment.started", "payment"): partner_actor,
        ("payment.paid", "payment"): partner_actor,
        ("order.finalized", "order"): partner_actor,
        ("line.issuing", "line"): partner_actor,
        ("line.issued", "line"): worker_actor,
        ("voucher.delivered", "voucher"): worker_actor,
        ("order.fulfilled", "order"): worker_actor,
    }
    partner_events = [event for event in events if event.actor_kind == "partner"]
    assert {event.actor_partner_id for event in partner_events} == {wallet_partner.pk}


def test_worker_events_carry_the_correlation_id_of_the_request_that_queued_them(wallet_partner, worker):
    # given: the order is created under one request's id and finalized under another's
    partner_actor = Actor.partner(wallet_partner)
    product = factories.product()
    with correlation.bound("corr-test-1"):
        order = factories.order(owner=wallet_partner, product_obj=product)

    # when
    worker()
    with correlation.bound("corr-test-2"):
        payments_finalization.order_finalize(order_id=order.pk, method="wallet", actor=partner_actor)
    worker()

    # then: the reservation joins the creation, the issuance joins the finalization
    trail = list(
        OrderEvent.objects.filter(order=order).values_list("transition", "subject_type", "correlation_id")
    )
    assert trail == [
        ("order.created", "order", "corr-test-1"),
        ("line.reserved", "line", "corr-test-1"),
        ("order.reserved", "order", "corr-test-1"),
        ("payment.created", "payment", "corr-test-2"),
        ("payment.started", "payment", "corr-test-2"),
        ("payment.paid", "payment", "corr-test-2"),
        ("order.finalized", "order", "corr-test-2"),
        ("line.issuing", "line", "corr-test-2"),
        ("line.issued", "line", "corr-test-2"),
        ("voucher.delivered", "voucher", "corr-test-2"),
        ("order.fulfilled", "order", "corr-test-2"),
    ]
    debit = LedgerEntry.objects.get(order=order)
    assert debit.correlation_id == "corr-test-2"


# --- delayed delivery ------------------------------------------------------------------------------


def line_transitions(line) -> list[str]:
    return list(
        OrderEvent.objects.filter(subject_type="line", subject_id=str(line.pk)).values_list(
            "transition", flat=True
        )
    )


def test_late_delivery_is_accepted_first_and_issued_by_reconciliation(wallet_partner, worker):
    # given: a product the supplier delivers "late" (5 s, scaled to 0 by the test settings)
    product = factories.product(kind=SupplierKind.VOUCHER, denominations=["25.00"], behaviour={"late": 5})

    # when
    order = run_to_fulfilment(wallet_partner, product, denomination="25.00", method="wallet", worker=worker)

    # then: the supplier first only accepted the line, and reconciliation delivered it
    assert_no_task_crashed()
    line = order.lines.get()
    assert line_transitions(line) == [
        "line.reserved",
        "line.issuing",
        "line.issuance_accepted",
        "line.issued",
    ]
    assert (
        DBTaskResult.objects.successful()
        .filter(task_path="orders.tasks.reconcile_line", return_value="issued")
        .exists()
    )
    assert line.status == "ISSUED"
    assert Voucher.objects.filter(line=line).count() == 1
    assert order.status == "FULFILLED"


def test_late_delivery_waits_for_the_supplier_then_reconciliation_fulfils(settings, wallet_partner, worker):
    # given: a 5 s late delivery in real time, the line reserved and the order finalized
    settings.SANDBOX_TIME_SCALE = 1.0
    product = factories.product(kind=SupplierKind.VOUCHER, denominations=["25.00"], behaviour={"late": 5})
    order = factories.order(owner=wallet_partner, product_obj=product, denomination="25.00")
    worker()
    payments_finalization.order_finalize(
        order_id=order.pk, method="wallet", actor=Actor.partner(wallet_partner)
    )
    line = order.lines.get()

    # when: the issue step runs and the supplier only accepts
    issue_tasks = DBTaskResult.objects.ready().filter(task_path="orders.tasks.issue_line")
    assert issue_tasks.count() == 1
    issue_tasks.delete()  # the test plays the worker for this one step
    outcome = fulfilment.line_issue(line_id=line.pk)

    # then: the line waits, a reconcile is queued, and nothing is delivered yet
    assert outcome == "accepted"
    line.refresh_from_db()
    assert line.status == "ISSUING"
    assert line_transitions(line)[-1] == "line.issuance_accepted"
    assert not Voucher.objects.filter(line=line).exists()
    assert Order.objects.get(pk=order.pk).status == "PROCESSING"
    assert (
        DBTaskResult.objects.filter(
            task_path="orders.tasks.reconcile_line", status="READY", args_kwargs__kwargs__line_id=line.pk
        ).count()
        == 1
    )

    # when: the supplier's delivery time passes and the worker reconciles
    SandboxBooking.objects.filter(line_key=f"line:{line.pk}").update(
        issue_accepted_at=SandboxBooking.objects.get(line_key=f"line:{line.pk}").issue_accepted_at
        - timedelta(seconds=10)
    )
    worker()

    # then
    assert_no_task_crashed()
    line.refresh_from_db()
    assert line.status == "ISSUED"
    assert line_transitions(line) == [
        "line.reserved",
        "line.issuing",
        "line.issuance_accepted",
        "line.issued",
    ]
    assert Voucher.objects.filter(line=line).count() == 1
    assert Order.objects.get(pk=order.pk).status == "FULFILLED"
    assert len(SandboxBooking.objects.get(line_key=f"line:{line.pk}").issued_keys) == 1
