"""Helpers for tests of instant orders: the one-request body and the services' call."""

from decimal import Decimal

from orders.services import creation, inputs
from tessera.actors import Actor
from tests import factories


def instant_body(product, *, method="wallet", amount="100.00", currency="EUR", quantity=1) -> dict:
    """POST /orders straight from ``product`` with its payment: an instant order in one request."""
    return {
        "lines": [{"productId": product.pk, "quantity": quantity}],
        "travellers": [{"givenName": "Ada", "familyName": f"Traveller{n}"} for n in range(quantity)],
        "payment": {"method": method, "expectedTotal": {"amount": amount, "currency": currency}},
    }


def instant_order(partner, product, *, quantity: int = 1, method: str = "wallet"):
    """An instant order through the service, as the API makes it."""
    total = Decimal(product.price) * quantity
    return creation.order_create(
        partner=partner,
        lines=[inputs.LineInput(product_id=product.pk, quantity=quantity)],
        payment=inputs.PaymentInput(method=method, expected_amount=total, expected_currency=product.currency),
        travellers=factories.travellers(quantity) if product.requires_traveller else [],
        actor=Actor.partner(partner),
    )
