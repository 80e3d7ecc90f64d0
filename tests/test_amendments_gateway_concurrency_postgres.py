"""A gateway amendment's payment succeeding at the moment its draft is reset: one wins, money stays exact.

PostgreSQL, real threads released together (tests/threads.py): the provider's word that the payment
is PAID and the partner's reset each take the order's lock first. If the payment wins, the draft is
confirmed and the reset finds no open draft (409); if the reset wins, the payment is canceled with
the draft, captured late when the provider's word is applied, and given back in full.
"""

from decimal import Decimal

import pytest
from django.db.models import Sum

from orders.errors import AmendmentNotOpen
from orders.models import Order, OrderVersion
from orders.services import amendments
from payments.models import Payment, Refund
from payments.providers.base import PaymentState
from payments.services import gateway
from sandbox import bank as sandbox_bank
from tessera.actors import Actor
from tests import factories
from tests.amendment_support import lines
from tests.api_support import client_for
from tests.gateway_support import Customer, reserved_order
from tests.threads import run_concurrently

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


# Which call the threads take first varies the winner; every round checks whichever won.
@pytest.mark.parametrize("queued", [["paid", "reset"], ["reset", "paid"], ["paid", "reset"]])
def test_the_payment_succeeding_while_the_draft_is_reset_lets_one_win_and_money_stays_exact(
    queued, callbacks, worker
):
    # Given a delivered gateway order (2 x 100.00) whose version 2 costs 20.00 more, confirmed, and
    # the customer has paid at the bank (its callback not delivered yet)
    order = reserved_order(quantity=2)
    Customer(order).pay("pay")
    worker()
    api = client_for(order.partner)
    offer = api.quote(factories.product(price="120.00"))
    api.post(
        f"/orders/{order.pk}/amendments",
        {"exchange": [{"lineId": lines(order)[0].pk, "offerId": offer["id"]}]},
    )
    worker()
    confirmed = api.post(f"/orders/{order.pk}/amendments/2/confirm", {"expectedBalance": "20.00"})
    payment_id = confirmed.json()["amendment"]["payment"]["id"]
    callbacks.hold = True
    Customer(order).pay("pay")
    partner = Actor.partner(order.partner)

    def act(kind: str):
        if kind == "paid":
            return gateway.payment_apply_state(
                payment_id=payment_id,
                state=PaymentState.PAID,
                actor=Actor.system("provider:sandbox"),
                source="race",
            )
        return amendments.amendment_reset(order_id=order.pk, number=2, actor=partner, reason="race")

    # When the provider's word and the reset arrive together
    outcomes = {o.item: o for o in run_concurrently(act, queued, threads=2)}
    callbacks.hold = False
    for url, body, headers in callbacks.sent:
        callbacks.deliver(url, body, headers)
    worker()

    # Then exactly one of them won
    order = Order.objects.get(pk=order.pk)
    version = OrderVersion.objects.get(order=order)
    payment = Payment.objects.get(pk=payment_id)
    assert outcomes["paid"].error is None
    if version.status == "CONFIRMED":
        assert isinstance(outcomes["reset"].error, AmendmentNotOpen)
        assert (order.version, order.total_amount, payment.status) == (2, Decimal("220.00"), "PAID")
        assert not Refund.objects.filter(order=order).exists()
    else:
        assert outcomes["reset"].error is None
        assert (version.status, order.version, order.total_amount) == ("DISCARDED", 1, Decimal("200.00"))
        assert outcomes["paid"].result == "refunded"
        assert payment.status == "REFUNDED"
    # and either way the money is exact: captured minus given back is the order's total, at the bank too
    captured = Payment.objects.filter(order=order, paid_at__isnull=False).aggregate(total=Sum("amount"))[
        "total"
    ]
    back = Refund.objects.filter(order=order, status="SUCCEEDED").aggregate(total=Sum("amount"))["total"] or 0
    assert captured - back == order.total_amount
    assert Refund.objects.filter(order=order).exclude(status="SUCCEEDED").count() == 0
    bank_paid = sum(s.amount for s in sandbox_bank.SandboxBankSession.objects.filter(state="PAID"))
    bank_back = sum(r.amount for r in sandbox_bank.SandboxBankRefund.objects.filter(state="SUCCEEDED"))
    assert bank_paid - bank_back == order.total_amount
