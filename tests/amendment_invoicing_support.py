"""Invoiced orders delivered and amended through the real services, without the worker.

The supplier steps the worker would run (reserve, issue) are called directly, so these helpers
run inside an ordinary test transaction.
"""

from collections.abc import Sequence
from decimal import Decimal

from orders.models import Order, OrderLine, OrderVersion
from orders.services import amendments
from orders.services.amendments import Exchange, LineToAdd
from orders.services.fulfilment import line_issue, line_reserve
from payments.services.amendment_confirmation import amendment_confirm
from suppliers.models import Product
from suppliers.services import offer_quote
from tessera.actors import Actor
from tests.invoicing_support import billed_order, product


def fee_product(*, price: str, tax_rate: str, change_fee: str = "0", cancellation_fee: str = "0") -> Product:
    """An event ticket at ``price`` with ``tax_rate`` % VAT, and the fees it charges for a change."""
    made = product(price=price, tax_rate=tax_rate)
    Product.objects.filter(pk=made.pk).update(
        change_fee=Decimal(change_fee), cancellation_fee=Decimal(cancellation_fee)
    )
    return Product.objects.get(pk=made.pk)


def delivered_invoice_order(partner, *lines: tuple[Product, int]) -> Order:
    """An order billed by invoice whose tickets are all issued: FULFILLED."""
    order = billed_order(partner, *lines)
    for line_id in order.lines.values_list("pk", flat=True):
        assert line_issue(line_id=line_id) == "issued"
    return Order.objects.get(pk=order.pk)


def current_lines(order: Order) -> list[OrderLine]:
    return list(OrderLine.objects.filter(order=order, removed_in_version=None).order_by("position"))


def amend(
    order: Order,
    *,
    add: Sequence[Product] = (),
    remove: Sequence[OrderLine] = (),
    exchange: Sequence[tuple[OrderLine, Product]] = (),
) -> OrderVersion:
    """Open an amendment (one ticket of each product in ``add``), reserve its new lines, confirm
    it at its balance and issue them: the order is FULFILLED again at the new version."""
    partner = order.partner
    actor = Actor.partner(partner)

    def offer(item: Product):
        return offer_quote(partner=partner, product_id=item.pk, quantity=1, denomination=None).pk

    draft = amendments.amendment_open(
        order_id=order.pk,
        add=[LineToAdd(offer_id=offer(item)) for item in add],
        remove=[line.pk for line in remove],
        exchange=[Exchange(line_id=line.pk, offer_id=offer(item)) for line, item in exchange],
        actor=actor,
    )
    new = list(
        OrderLine.objects.filter(order=order, added_in_version=draft.number).values_list("pk", flat=True)
    )
    for line_id in new:
        assert line_reserve(line_id=line_id) == "reserved"
    version = amendment_confirm(
        order_id=order.pk, number=draft.number, expected_balance=draft.balance, actor=actor
    )
    for line_id in new:
        assert line_issue(line_id=line_id) == "issued"
    return OrderVersion.objects.get(pk=version.pk)
