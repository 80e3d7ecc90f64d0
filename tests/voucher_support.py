"""Helpers for voucher tests: orders delivered through the real worker, with secrets the test knows.

``known_secrets`` makes the sandbox supplier deliver codes, PINs, links and supplier secrets the
test can predict per line, so a test can look for them everywhere they must not be.
"""

from datetime import timedelta

import pytest
from django.utils import timezone

from orders.models import Order, Voucher
from orders.statuses import BillingMode
from payments.services import finalization
from sandbox import supplier as sandbox
from suppliers.adapters.base import DeliveredItem
from suppliers.models import Product, SupplierKind
from tessera.actors import Actor
from tests import factories


def as_bytes(value) -> bytes:
    """A cell read with raw SQL as bytes, whatever the database returns for it (NULL: empty)."""
    if value is None:
        return b""
    if isinstance(value, memoryview):
        return value.tobytes()
    if isinstance(value, bytes | bytearray):
        return bytes(value)
    return str(value).encode()


def secrets_of_line(line_id: int) -> dict[str, str]:
    """What the sandbox delivers for a line while ``known_secrets`` is on (each value unique)."""
    return {
        "code": f"CNRY-{line_id:05d}-QX7Z-M2KD",
        "pin": f"Q{line_id:05d}Z",
        "url": f"https://redeem.example/c/cnry{line_id:05d}tok",
        "supplier_secret": f"SUPSEC{line_id:05d}XY",
    }


@pytest.fixture
def known_secrets(monkeypatch):
    """The sandbox delivers ``secrets_of_line(line.pk)`` for every line it issues."""

    def items(line, booking):
        values = secrets_of_line(line.pk)
        now = timezone.now()
        return [
            DeliveredItem(
                kind="code",
                collection_reference=booking.booking_ref,
                code=values["code"],
                pin=values["pin"],
                url=values["url"],
                secret=values["supplier_secret"],
                valid_from=now,
                valid_until=now + timedelta(days=30),
            )
        ]

    monkeypatch.setattr(sandbox, "_items", items)
    return secrets_of_line


def gift_card(**behaviour) -> Product:
    return factories.product(kind=SupplierKind.VOUCHER, price="25.00", behaviour=behaviour or None)


def delivered_order(partner, worker, *, product: Product | None = None, quantity: int = 1) -> Order:
    """A voucher order taken through the real worker until it settles (wallet or invoice)."""
    product = product or gift_card()
    order = factories.order(owner=partner, product_obj=product, quantity=quantity)
    worker()
    method = BillingMode.WALLET if partner.allows_wallet else BillingMode.INVOICE
    finalization.order_finalize(order_id=order.pk, method=method, actor=Actor.partner(partner))
    worker()
    return Order.objects.get(pk=order.pk)


def vouchers_of(order: Order) -> list[Voucher]:
    return list(Voucher.objects.filter(line__order=order).select_related("line").order_by("line__position"))
