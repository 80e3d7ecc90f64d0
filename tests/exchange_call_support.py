"""Helpers for exchanges through a supplier's change call: a delivered wallet order at a rail
supplier served by the simulator over HTTP, and offers at that supplier to exchange with."""

from orders.models import Order
from suppliers.models import Offer, Product, Supplier
from suppliers.services import offer_quote
from tests import factories
from tests.refund_support import delivered
from tests.simulator_support import base_url, http_supplier


def rail_supplier(server, *, supports_exchange: bool) -> Supplier:
    supplier = http_supplier(base_url(server))
    supplier.supports_exchange = supports_exchange
    supplier.save(update_fields=["supports_exchange"])
    return supplier


def rail_product(supplier: Supplier, reference: str, *, price: str) -> Product:
    product = factories.product(supplier_obj=supplier, price=price)
    product.supplier_reference = reference
    product.save(update_fields=["supplier_reference"])
    return product


def delivered_at(supplier: Supplier, partner, *, worker, quantity: int = 2) -> Order:
    """A FULFILLED wallet order of ``quantity`` 100.00 tickets (product "TRAIN") at ``supplier``."""
    return delivered(
        partner, rail_product(supplier, "TRAIN", price="100.00"), worker=worker, quantity=quantity
    )


def later_train(supplier: Supplier, partner, *, reference: str = "LATER", price: str = "120.00") -> Offer:
    """An offer for one ticket of another train at the same supplier."""
    product = rail_product(supplier, reference, price=price)
    return offer_quote(partner=partner, product_id=product.pk, quantity=1)
