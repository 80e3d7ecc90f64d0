"""Transitions that are not allowed are refused, and leave the database as it was.

The model-level cases are generated from django-fsm's own transition metadata, so a transition
added to Order, OrderLine, Payment or Refund is covered without touching this module. The
service-level cases check that the use cases refuse before anything is written: no status,
payment, ledger entry, event or task.
"""

import inspect
import uuid
from contextlib import contextmanager
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from django_fsm import ANY_OTHER_STATE, ANY_STATE, TransitionNotAllowed

from orders.errors import BillingModeNotAllowed, OrderExpired, OrderNotReady, PriceChanged
from orders.models import Order, OrderEvent, OrderLine
from orders.services import cancellation, fulfilment
from orders.statuses import LinePhase
from payments.models import LedgerEntry, LedgerKind, Payment, Refund, Wallet
from payments.services import finalization
from payments.services.wallets import wallet_ledger_total
from suppliers.models import SupplierKind
from tessera.actors import Actor
from tessera.errors import InvalidState
from tests import factories

pytestmark = pytest.mark.django_db

MODELS = [Order, OrderLine, Payment, Refund]


# --- what the models declare -----------------------------------------------------------------


def transitions_of(model) -> dict[str, set]:
    """Method name -> the statuses it may be called from, as django-fsm knows them."""
    field = model._meta.get_field("status")
    sources: dict[str, set] = {}
    for transition in field.get_all_transitions(model):
        sources.setdefault(transition.name, set()).add(transition.source)
    return sources


def statuses_of(model) -> list[str]:
    return [value for value, _ in model._meta.get_field("status").choices]


def forbidden_cases():
    for model in MODELS:
        for name, sources in sorted(transitions_of(model).items()):
            if ANY_STATE in sources:
                continue
            for status in statuses_of(model):
                if status in sources:
                    continue
                if ANY_OTHER_STATE in sources and status != _target(model, name):
                    continue
                yield pytest.param(model, name, status, id=f"{model.__name__}.{name}-from-{status}")


def _target(model, name):
    return getattr(model, name)._django_fsm.transitions[ANY_OTHER_STATE].target


def arguments_for(method) -> dict:
    """Keyword arguments a transition needs, so a wrongly allowed call would really run."""
    values = {"at": timezone.now(), "payment_method": "wallet"}
    return {
        name: values.get(name, "test")
        for name, parameter in inspect.signature(method).parameters.items()
        if parameter.kind == parameter.KEYWORD_ONLY and parameter.default is parameter.empty
    }


# --- rows in any status ----------------------------------------------------------------------


ISSUE_PHASE = {"ISSUING", "ISSUED", "REFUNDED"}


def make_row(model, status: str):
    """A row of ``model`` sitting in ``status`` (set directly: this is test setup)."""
    partner = factories.partner()
    order = factories.order(owner=partner, product_obj=factories.product(kind=SupplierKind.EVENT))
    if model is Order:
        Order.objects.filter(pk=order.pk).update(status=status)
        return Order.objects.get(pk=order.pk)
    if model is OrderLine:
        line = order.lines.get()
        phase = LinePhase.ISSUE if status in ISSUE_PHASE else LinePhase.RESERVE
        OrderLine.objects.filter(pk=line.pk).update(status=status, phase=phase)
        return OrderLine.objects.get(pk=line.pk)
    payment = Payment.objects.create(
        order=order,
        method="wallet",
        amount=order.total_amount,
        currency=order.currency,
        provider="wallet",
        idempotency_key=f"test:{uuid.uuid4()}",
        status=status if model is Payment else "PAID",
    )
    if model is Payment:
        return Payment.objects.get(pk=payment.pk)
    refund = Refund.objects.create(
        order=order,
        payment=payment,
        reason="requested",
        amount=order.total_amount,
        currency=order.currency,
        idempotency_key=f"test:{uuid.uuid4()}",
        status=status,
    )
    return Refund.objects.get(pk=refund.pk)


def stored(row) -> dict:
    return type(row).objects.filter(pk=row.pk).values().get()


def in_memory(row) -> dict:
    return {field.attname: getattr(row, field.attname) for field in row._meta.concrete_fields}


def assert_refused_and_unchanged(row, name: str):
    method = getattr(row, name)
    before = stored(row)
    assert in_memory(row) == before
    events = OrderEvent.objects.count()

    with pytest.raises(TransitionNotAllowed):
        method(**arguments_for(method))

    assert in_memory(row) == before  # not even the instance moved
    assert stored(row) == before
    assert OrderEvent.objects.count() == events


# --- the generated cases ---------------------------------------------------------------------


def test_the_generated_cases_cover_every_transition_method():
    """Every @transition method of each model is found, and each is forbidden from somewhere."""
    for model in MODELS:
        declared = {name for name, member in inspect.getmembers(model) if hasattr(member, "_django_fsm")}
        assert declared, model
        assert declared == set(transitions_of(model)), model
        covered = {values[1] for values in (case.values for case in forbidden_cases()) if values[0] is model}
        assert covered == declared, model


def test_every_transition_goes_between_declared_statuses():
    for model in MODELS:
        known = set(statuses_of(model))
        for transition in model._meta.get_field("status").get_all_transitions(model):
            assert transition.source in known | {ANY_STATE, ANY_OTHER_STATE}, transition
            assert transition.target in known, transition


@pytest.mark.parametrize(("model", "name", "status"), list(forbidden_cases()))
def test_transition_from_a_status_it_does_not_leave_is_refused(model, name, status):
    row = make_row(model, status)
    assert row.status == status

    assert_refused_and_unchanged(row, name)


# --- named cases, readable on their own ------------------------------------------------------


@pytest.mark.parametrize(
    ("model", "status", "name"),
    [
        (Order, "PROCESSING", "cancel"),
        (Order, "FULFILLED", "finalize"),
        (Order, "CANCELED", "finalize"),
        (Order, "EXPIRED", "cancel"),
        (Order, "PENDING", "fulfill"),
        (Order, "PENDING", "refund_fully"),
        (Order, "REFUNDED", "refund_partially"),
        (OrderLine, "RESERVING", "start_issuing"),
        (OrderLine, "RESERVING", "mark_issued"),
        (OrderLine, "ISSUED", "release"),
        (OrderLine, "RELEASED", "mark_reserved"),
        (OrderLine, "RESERVED", "mark_refunded"),
        (Payment, "CREATED", "capture"),
        (Payment, "PAID", "cancel"),
        (Payment, "REFUNDED", "refund_partially"),
        (Refund, "REQUESTED", "succeed"),
        (Refund, "SUCCEEDED", "fail"),
    ],
    ids=lambda value: value if isinstance(value, str) else value.__name__,
)
def test_named_forbidden_transition_is_refused(model, status, name):
    row = make_row(model, status)

    assert_refused_and_unchanged(row, name)


@pytest.mark.parametrize(
    ("name", "phase"),
    [
        ("release", LinePhase.ISSUE),  # an UNKNOWN issuance may have delivered: never just release it
        ("resolve_reserved", LinePhase.ISSUE),
        ("retry_reservation", LinePhase.ISSUE),
        ("mark_issued", LinePhase.RESERVE),
        ("retry_issuance", LinePhase.RESERVE),
    ],
)
def test_unknown_line_resolves_only_within_its_own_phase(name, phase):
    line = make_row(OrderLine, "UNKNOWN")
    OrderLine.objects.filter(pk=line.pk).update(phase=phase)
    line = OrderLine.objects.get(pk=line.pk)

    assert_refused_and_unchanged(line, name)


@pytest.mark.parametrize("model", MODELS, ids=lambda model: model.__name__)
def test_status_cannot_be_assigned_directly(model):
    row = make_row(model, statuses_of(model)[0])
    before = stored(row)
    target = statuses_of(model)[-1]

    with pytest.raises(AttributeError):
        row.status = target

    row.save()
    assert stored(row)["status"] == before["status"]


# --- service-level refusals ------------------------------------------------------------------
#
# The lines are reserved by calling the reservation use case the worker's task calls; the test
# stays in one transaction, so anything a refusal queued for "after commit" is captured and seen.


def world(order_id) -> dict:
    """Order, lines, payments, wallet, ledger and events of one order."""
    order = Order.objects.get(pk=order_id)
    wallet = Wallet.objects.filter(partner_id=order.partner_id).first()
    return {
        "order": (order.status, order.version, order.payment_method, order.finalized_at),
        "lines": list(order.lines.order_by("position").values_list("status", "phase")),
        "payments": list(Payment.objects.filter(order=order).values_list("status", "amount")),
        "refunds": Refund.objects.filter(order=order).count(),
        "wallet": wallet.balance if wallet else None,
        "ledger": LedgerEntry.objects.filter(order=order).count(),
        "events": OrderEvent.objects.filter(order=order).count(),
    }


def pending_order(partner, quantity=2) -> Order:
    return factories.order(
        owner=partner, product_obj=factories.product(kind=SupplierKind.RAIL), quantity=quantity
    )


def reserved_order(partner, quantity=2) -> Order:
    order = pending_order(partner, quantity)
    for line_id in order.lines.values_list("pk", flat=True):
        assert fulfilment.line_reserve(line_id=line_id) == "reserved"
    assert set(order.lines.values_list("status", flat=True)) == {"RESERVED"}
    return order


def finalize(order, partner, **kwargs):
    return finalization.order_finalize(order_id=order.pk, actor=Actor.partner(partner), **kwargs)


@pytest.fixture
def refused(django_capture_on_commit_callbacks):
    """``with refused(order, Error):`` the call raises Error, writes nothing and queues nothing."""

    @contextmanager
    def check(order, error):
        before = world(order.pk)
        with django_capture_on_commit_callbacks() as callbacks, pytest.raises(error) as raised:
            yield raised
        assert callbacks == []
        assert world(order.pk) == before

    return check


def test_finalize_twice_is_refused_and_debits_once(wallet_partner, refused):
    order = reserved_order(wallet_partner)
    finalize(order, wallet_partner, method="wallet")
    assert Order.objects.get(pk=order.pk).status == "PROCESSING"

    with refused(order, InvalidState) as error:
        finalize(order, wallet_partner, method="wallet")

    assert error.value.context["status"] == "PROCESSING"
    assert Payment.objects.filter(order=order).count() == 1
    debits = LedgerEntry.objects.filter(order=order, kind=LedgerKind.DEBIT)
    assert [entry.amount for entry in debits] == [-order.total_amount]
    wallet = Wallet.objects.get(partner=wallet_partner)
    assert wallet.balance == Decimal("1000.00") - order.total_amount
    assert wallet_ledger_total(wallet) == wallet.balance


def test_finalize_before_every_line_is_reserved_is_refused(wallet_partner, refused):
    order = pending_order(wallet_partner)
    fulfilment.line_reserve(line_id=order.lines.get(position=1).pk)

    with refused(order, OrderNotReady) as error:
        finalize(order, wallet_partner, method="wallet")

    assert error.value.context["lines"] == {2: "RESERVING"}
    assert Order.objects.get(pk=order.pk).status == "PENDING"
    assert not Payment.objects.filter(order=order).exists()


def test_finalize_an_expired_pending_order_is_refused(wallet_partner, refused):
    order = reserved_order(wallet_partner)
    Order.objects.filter(pk=order.pk).update(expires_at=timezone.now() - timedelta(seconds=1))

    with refused(order, OrderExpired):
        finalize(order, wallet_partner, method="wallet")

    assert Order.objects.get(pk=order.pk).status == "PENDING"
    assert not Payment.objects.filter(order=order).exists()


@pytest.mark.parametrize(
    ("billing", "method"),
    [({"wallet": "1000.00"}, "invoice"), ({"invoice": True}, "wallet")],
    ids=["wallet-partner-asks-invoice", "invoice-partner-asks-wallet"],
)
def test_finalize_with_a_billing_mode_the_partner_lacks_is_refused(refused, billing, method):
    partner = factories.partner(**billing)
    order = reserved_order(partner)

    with refused(order, BillingModeNotAllowed):
        finalize(order, partner, method=method)

    assert Order.objects.get(pk=order.pk).status == "PENDING"
    assert not Payment.objects.filter(order=order).exists()


def test_finalize_with_a_wrong_expected_total_is_refused(wallet_partner, refused):
    order = reserved_order(wallet_partner)
    assert order.total_amount == Decimal("200.00")

    with refused(order, PriceChanged) as error:
        finalize(order, wallet_partner, method="wallet", expected_total="199.99")

    assert error.value.context["total"] == "200.00"
    finalize(order, wallet_partner, method="wallet", expected_total="200.00")  # the right total passes
    assert Order.objects.get(pk=order.pk).status == "PROCESSING"


def test_cancel_a_processing_order_is_refused(wallet_partner, refused):
    order = reserved_order(wallet_partner)
    finalize(order, wallet_partner, method="wallet")
    assert set(order.lines.values_list("status", flat=True)) == {"ISSUING"}

    with refused(order, InvalidState) as error:
        cancellation.order_cancel(order_id=order.pk, actor=Actor.partner(wallet_partner))

    assert error.value.context["status"] == "PROCESSING"
    assert Order.objects.get(pk=order.pk).status == "PROCESSING"
    assert set(order.lines.values_list("status", flat=True)) == {"ISSUING"}
