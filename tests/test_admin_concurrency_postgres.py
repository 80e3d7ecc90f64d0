"""Staff actions racing each other on PostgreSQL (real threads): amounts given back never exceed
what was paid, a top-up sent twice at once is booked once, a cancel racing the partner's
finalize leaves one of them.
"""

from collections import Counter
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from orders.models import Order
from payments.models import LedgerEntry, Refund, Wallet
from payments.services import finalization
from payments.services.refunds import refund_request_amount
from tessera.actors import Actor
from tests import factories
from tests.admin_support import delivered_order, login, transition_url
from tests.refund_support import assert_wallet_agrees_with_ledger, credits_of
from tests.threads import run_concurrently

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def errors_of(outcomes) -> Counter:
    return Counter(type(o.error).__name__ for o in outcomes if o.error is not None)


def test_amounts_given_back_at_once_never_add_up_to_more_than_was_paid(wallet_partner, worker):
    order = delivered_order(wallet_partner, worker=worker)  # 140.00 paid

    outcomes = run_concurrently(
        lambda n: refund_request_amount(
            order_id=order.pk,
            amount="30.00",
            reason="goodwill",
            note="",
            actor=Actor.system("t"),
            idempotency_key=f"amount-{n}",
        ),
        range(8),
        threads=8,
    )

    assert errors_of(outcomes) == Counter({"RefundExceedsPayment": 4})
    assert sum(credits_of(order)) == Decimal("120.00")
    assert Refund.objects.filter(order=order).count() == 4
    assert_wallet_agrees_with_ledger(wallet_partner)


def test_a_top_up_form_sent_twice_at_once_is_booked_once(wallet_partner):
    wallet = Wallet.objects.get(partner=wallet_partner)
    finance = login(Client(), "money", role="Finance")
    url = reverse("admin:payments_wallet_top_up", args=[wallet.pk])
    data = {"amount": "75.00", "reason": "transfer", "key": "b" * 32}

    def send(_):
        http = Client()
        http.cookies = finance.cookies
        return http.post(url, data).status_code

    outcomes = run_concurrently(send, range(6), threads=6)

    assert [o.result for o in outcomes] == [302] * 6
    assert LedgerEntry.objects.filter(wallet=wallet, actor_label="money").count() == 1
    assert Wallet.objects.get(pk=wallet.pk).balance == Decimal("1075.00")


def test_a_staff_cancel_racing_the_partners_finalize_leaves_exactly_one_of_them(wallet_partner, worker):
    order = factories.order(owner=wallet_partner, product_obj=factories.product())
    worker()
    support = login(Client(), "desk", role="Support")

    def act(who):
        if who == "staff":
            http = Client()
            http.cookies = support.cookies
            return http.post(transition_url(order, "cancel"), {"reason": "phone"}).status_code
        return finalization.order_finalize(
            order_id=order.pk, method="wallet", actor=Actor.partner(wallet_partner)
        )

    run_concurrently(act, ["staff", "partner"], threads=2)

    final = Order.objects.get(pk=order.pk)
    assert final.status in {"CANCELED", "PROCESSING", "FULFILLED"}
    events = set(final.events.filter(subject_type="order").values_list("transition", flat=True))
    assert not {"cancel", "finalize"} <= events
    wallet = Wallet.objects.get(partner=wallet_partner)
    assert wallet.balance == (Decimal("1000.00") if final.status == "CANCELED" else Decimal("900.00"))
