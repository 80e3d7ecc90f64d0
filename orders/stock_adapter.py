"""Tessera's own stock as the supplier of a stock product's lines (Product.stock_source).

The line's code was claimed when the order was created (orders.stock.stock_allocate), so
the stock never keeps anyone waiting: ``reserve`` confirms the line holds its code, ``issue`` hands
it over (ALLOCATED -> DELIVERED), ``refund`` revokes it, and ``status`` reads it. ``cancel`` puts
back a code the line still holds; usually there is none left, since releasing a line returns its
code in the same transaction (orders.services.cancellation.release_lines). Each call repeated
for the same line answers as the first did, so retries and reconciliation work as with any
supplier. Not registered by name: fulfilment picks it for stock products
(adapter_for_line, below), whichever vendor the codes came from.
"""

from decimal import Decimal

from orders import stock as inventory
from orders.models import OrderLine
from suppliers.adapters import MeteredAdapter, adapter_for
from suppliers.adapters.base import (
    BooksLineByLine,
    Issuance,
    IssueState,
    PermanentSupplierError,
    RefundResult,
    RemoteState,
    Reservation,
    StatusReport,
    SupplierAdapter,
)
from suppliers.errors import StockCodeUnavailable
from suppliers.models import CodeStatus, StockSource
from tessera.actors import WORKER

_REMOTE_STATES = {
    CodeStatus.ALLOCATED: RemoteState.RESERVED,
    CodeStatus.DELIVERED: RemoteState.ISSUED,
    CodeStatus.REVOKED: RemoteState.REFUNDED,
}


class InventoryAdapter(BooksLineByLine):
    def __init__(self, supplier) -> None:
        self.supplier = supplier

    def reserve(self, line, *, idempotency_key: str) -> Reservation:
        code = inventory.held_code(line)
        if code is None or code.status != CodeStatus.ALLOCATED:
            raise PermanentSupplierError("No stock code is held for this line.", code="OUT_OF_STOCK")
        return Reservation(reference=inventory.stock_reference(code))

    def issue(self, line, *, idempotency_key: str) -> Issuance:
        try:
            code = inventory.stock_deliver(line=line, actor=WORKER)
        except StockCodeUnavailable as exc:
            raise PermanentSupplierError(str(exc), code="STOCK_CODE_UNAVAILABLE") from None
        return Issuance(IssueState.ISSUED, inventory.stock_reference(code), [inventory.delivered_item(code)])

    def cancel(self, line, *, idempotency_key: str) -> None:
        try:
            inventory.stock_release(line=line, actor=WORKER)
        except StockCodeUnavailable as exc:
            raise PermanentSupplierError(str(exc), code="ALREADY_ISSUED") from None

    def refund(self, line, *, idempotency_key: str, amount: Decimal) -> RefundResult:
        try:
            code = inventory.stock_revoke_refunded(line=line, actor=WORKER)
        except StockCodeUnavailable as exc:
            raise PermanentSupplierError(str(exc), code="NOT_ISSUED") from None
        return RefundResult(refunded=amount, reference=f"{inventory.stock_reference(code)}-R")

    def ping(self) -> str:
        return "Tessera's own stock: always here"

    def status(self, line, *, idempotency_key: str) -> StatusReport:
        code = inventory.held_code(line)
        if code is None:
            return StatusReport(RemoteState.NOT_FOUND)
        state = _REMOTE_STATES.get(code.status, RemoteState.FAILED)
        items = [inventory.delivered_item(code)] if state == RemoteState.ISSUED else []
        return StatusReport(state, inventory.stock_reference(code), items)


def adapter_for_line(line: OrderLine) -> SupplierAdapter:
    """The adapter that fulfils ``line``: Tessera's own stock for a product sold from stock
    (whichever vendor supplied its codes), else the line's supplier's adapter."""
    if line.product.stock_source == StockSource.INVENTORY:
        return MeteredAdapter(InventoryAdapter(line.supplier), line.supplier.slug)
    return adapter_for(line.supplier)
