"""Revoked vouchers: revoked by staff with a reason, or automatically when their line is refunded;
audited once, shown as revoked everywhere, never revealed again."""

import pytest
from django.contrib.auth import get_user_model

from orders.errors import VoucherNotFound
from orders.models import Order, OrderEvent, Voucher
from orders.services.revocation import voucher_revoke
from payments.models import RefundReason
from payments.services.refunds import refund_request
from tessera.actors import Actor
from tessera.errors import InvalidInput
from tessera.event_types import EventType
from tests.voucher_support import delivered_order, vouchers_of

pytestmark = pytest.mark.django_db(transaction=True)


def voucher_events(voucher: Voucher) -> list[OrderEvent]:
    """The revocations recorded for the voucher (its delivery is an event too)."""
    revoked = OrderEvent.objects.filter(transition=EventType.VOUCHER_REVOKED, subject_id=str(voucher.pk))
    return list(revoked.order_by("id"))


def test_staff_revoke_a_voucher_with_a_reason_and_the_revocation_is_audited(wallet_partner, worker):
    (voucher,) = vouchers_of(delivered_order(wallet_partner, worker))
    agent = get_user_model().objects.create_user("agent", is_staff=True)
    order_updated = Order.objects.get(pk=voucher.line.order_id).updated_at

    revoked = voucher_revoke(
        voucher_id=voucher.pk, reason="  Reported stolen by the customer ", actor=Actor.staff(agent)
    )

    voucher.refresh_from_db()
    assert revoked.pk == voucher.pk
    assert (voucher.status, voucher.revoked_reason) == ("REVOKED", "Reported stolen by the customer")
    assert voucher.revoked_at is not None
    (event,) = voucher_events(voucher)
    assert (event.transition, event.from_status, event.to_status) == ("voucher.revoked", "ACTIVE", "REVOKED")
    assert (event.actor_kind, event.actor_user_id) == ("staff", agent.pk)
    assert event.payload == {"line": 1, "reason": "Reported stolen by the customer"}
    assert Order.objects.get(pk=voucher.line.order_id).updated_at > order_updated


def test_revoking_a_revoked_voucher_changes_nothing(wallet_partner, worker):
    (voucher,) = vouchers_of(delivered_order(wallet_partner, worker))
    voucher_revoke(voucher_id=voucher.pk, reason="first", actor=Actor.system("tests"))

    voucher_revoke(voucher_id=voucher.pk, reason="second", actor=Actor.system("tests"))

    voucher.refresh_from_db()
    assert voucher.revoked_reason == "first"
    assert len(voucher_events(voucher)) == 1


@pytest.mark.parametrize("reason", ["", "   ", "x" * 256])
def test_a_revocation_needs_a_reason_of_at_most_255_characters(wallet_partner, worker, reason):
    (voucher,) = vouchers_of(delivered_order(wallet_partner, worker))

    with pytest.raises(InvalidInput):
        voucher_revoke(voucher_id=voucher.pk, reason=reason, actor=Actor.system("tests"))

    voucher.refresh_from_db()
    assert voucher.status == "ACTIVE" and voucher_events(voucher) == []


def test_revoking_an_unknown_voucher_is_not_found(db):
    with pytest.raises(VoucherNotFound):
        voucher_revoke(
            voucher_id="00000000-0000-0000-0000-000000000000", reason="x", actor=Actor.system("tests")
        )


def test_refunding_a_line_revokes_its_voucher_and_only_its_voucher(api, worker):
    # given a delivered order of two gift cards
    order = delivered_order(api.partner, worker, quantity=2)
    first, second = vouchers_of(order)

    # when the partner has the first line refunded and the worker processes the refund
    refund = refund_request(
        order_id=order.pk,
        line_ids=[first.line_id],
        reason=RefundReason.REQUESTED,
        note="",
        actor=Actor.partner(api.partner),
        idempotency_key="refund-one",
        partner_id=api.partner.pk,
    )
    worker()

    # then that line is REFUNDED and its voucher REVOKED by the worker, saying why
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.line.status == "REFUNDED"
    assert (first.status, first.revoked_reason) == ("REVOKED", f"Refunded (refund {refund.pk})")
    (event,) = voucher_events(first)
    assert (event.transition, event.actor_kind, event.actor_label) == ("voucher.revoked", "system", "worker")
    assert second.status == "ACTIVE" and voucher_events(second) == []

    # and the partner sees it revoked, without its code
    lines = api.get(f"/orders/{order.pk}").json()["lines"]
    assert [(line["status"], line["voucher"]["status"]) for line in lines] == [
        ("REFUNDED", "REVOKED"),
        ("ISSUED", "ACTIVE"),
    ]
    items = api.get(f"/orders/{order.pk}/vouchers").json()["items"]
    assert [item["voucher"]["code"] is None for item in items] == [True, False]
