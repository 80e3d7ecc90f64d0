"""Helpers for ticket tests: delivered orders, their PDF read back as pictures and text."""

from datetime import timedelta

import pypdfium2
import zxingcpp
from django.utils import timezone

from orders.models import Order, OrderLine
from suppliers.models import Product
from tests import factories
from tests.refund_support import delivered

RENDER_SCALE = 3  # 216 dpi: the QR's modules are several pixels wide


def train(departs_in: timedelta = timedelta(days=3)) -> Product:
    """A train departing ``departs_in`` from now: its tickets are valid from 2 h before to 12 h after."""
    product = factories.product()
    Product.objects.filter(pk=product.pk).update(starts_at=timezone.now() + departs_in)
    return Product.objects.get(pk=product.pk)


def delivered_order(partner, product, *, worker, quantity: int = 2) -> Order:
    return delivered(partner, product, worker=worker, quantity=quantity)


def lines_of(order: Order) -> list[OrderLine]:
    return list(order.lines.select_related("traveller", "voucher", "product").order_by("position"))


def pdf_pages(content: bytes) -> int:
    return len(pypdfium2.PdfDocument(content))


def qr_texts(content: bytes, page: int = 0) -> list[str]:
    """The QR codes found on one page of a PDF, rendered to a picture as a phone would see it.

    Only QR codes are looked for: a scanner open to every format may read a run of printed text
    as a one-dimensional barcode (it once read "3593" off a ticket)."""
    image = pypdfium2.PdfDocument(content)[page].render(scale=RENDER_SCALE).to_pil()
    return [barcode.text for barcode in zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)]


def pdf_text(content: bytes) -> str:
    document = pypdfium2.PdfDocument(content)
    return "\n".join(document[index].get_textpage().get_text_range() for index in range(len(document)))
