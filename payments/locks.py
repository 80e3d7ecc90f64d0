"""Row locks of the money side, after orders' (orders/locks.py): Order, its lines, their vouchers
and stock codes, Offers, then Wallet, then WalletHold, then Payment, Invoice, DocumentSequence.

Refunds are changed under their order's lock (payments.services.refunds.lock_order_of_refund), so
they need none of their own. A query that may lock several rows is ordered by ``pk`` before
``select_for_update()``.
"""

from orders.models import Order, OrderVersion
from payments.errors import WalletNotFound
from payments.models import (
    LIVE_PAYMENT_STATUSES,
    DocumentSequence,
    HoldStatus,
    Invoice,
    InvoiceStatus,
    Payment,
    PaymentStatus,
    Wallet,
    WalletHold,
)


def lock_wallet(*, partner_id: int, currency: str) -> Wallet:
    wallet = Wallet.objects.select_for_update().filter(partner_id=partner_id, currency=currency).first()
    if wallet is None:
        raise WalletNotFound(f"No {currency} wallet for this partner.", currency=currency)
    return wallet


def lock_held_hold(order: Order) -> WalletHold | None:
    """The order's hold if it is still HELD, locked (the caller has locked its wallet)."""
    return WalletHold.objects.select_for_update().filter(order=order, status=HoldStatus.HELD).first()


def lock_payment(payment_id) -> Payment:
    return Payment.objects.select_for_update().get(pk=payment_id)


def lock_live_payment(order: Order) -> Payment | None:
    """The order's one live payment (a database constraint), locked; the order is locked already.
    Payments of its amendments are not the order's own (``lock_amendment_payment``)."""
    return (
        Payment.objects.select_for_update()
        .filter(order=order, amendment__isnull=True, status__in=LIVE_PAYMENT_STATUSES)
        .first()
    )


def lock_amendment_payment(version: OrderVersion) -> Payment | None:
    """The amendment's one open (CREATED or PENDING) payment (a database constraint), locked; its
    order is locked already."""
    return (
        Payment.objects.select_for_update()
        .filter(amendment=version, status__in=[PaymentStatus.CREATED, PaymentStatus.PENDING])
        .first()
    )


def lock_invoice(invoices, invoice_id: int) -> Invoice:
    """One invoice of ``invoices`` (a queryset that may defer its documents), locked."""
    return invoices.select_for_update().get(pk=invoice_id)


def lock_open_invoice(invoice_id: int) -> Invoice | None:
    """The invoice with its partner, locked, if it is still OPEN."""
    return (
        Invoice.objects.select_for_update(of=("self",))
        .select_related("partner")
        .filter(pk=invoice_id, status=InvoiceStatus.OPEN)
        .first()
    )


def lock_sequence(series: str) -> DocumentSequence:
    return DocumentSequence.objects.select_for_update().get(name=series)
