"""Monthly invoices for invoice-billing partners, and credit notes for refunds on invoiced orders."""

from datetime import date

from orders.models import Order
from payments.models import CreditNote, Invoice, InvoiceItem, Refund
from tessera.actors import Actor


# Interfaces the other helpers call; the invoicing helper replaces these bodies.
def invoice_accrue(*, order: Order, actor: Actor) -> InvoiceItem:
    raise NotImplementedError


def credit_note_issue(*, refund: Refund, actor: Actor) -> CreditNote:
    raise NotImplementedError


def invoices_close(*, actor: Actor, today: date | None = None) -> list[Invoice]:
    raise NotImplementedError
