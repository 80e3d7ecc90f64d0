"""The customer's pages, reached by the order's unguessable key.

A wrong key is the same plain 404 as any unknown URL. Pages are never cached (tickets carry
codes), and every action is a POST with a CSRF token. Views only read through the selectors and
act through the gateway services.
"""

import logging

from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from checkout import selectors
from checkout.receipts import payment_method_words, receipt_pdf
from orders.models import Order
from orders.services.editing import order_language_record
from orders.ticket_documents import codes_text, printable_lines, ticket_pages, tickets_pdf_response
from payments.providers.base import ProviderError
from payments.services.checkout import checkout_return, tickets_reveal
from payments.services.gateway import CUSTOMER, payment_start
from tessera.errors import TesseraError

logger = logging.getLogger(__name__)

REFRESH_SECONDS = 10  # the seed: do not poll more than once every 10 seconds


def _customer_order(order_key: str) -> selectors.CustomerOrder:
    view = selectors.customer_order(order_key)
    if view is None:
        raise Http404
    return view


def _checkout_order(order_key: str) -> Order:
    """The order whose checkout is open, for the views that act and redirect."""
    order = selectors.checkout_order(order_key)
    if order is None:
        raise Http404
    return order


def _page(request, template: str, view: selectors.CustomerOrder, *, status: int = 200, **context):
    links = {
        name.replace("-", "_"): reverse(f"checkout:{name}", args=[view.order.order_key])
        for name in ("page", "pay", "status", "tickets", "tickets-pdf", "codes", "receipt", "receipt-pdf")
    }
    return render(
        request, template, {"view": view, "order": view.order, "links": links, **context}, status=status
    )


def _record_language(request, order: Order) -> None:
    """The customer's e-mails follow the language they read the checkout in (a write only
    when it differs from the order's)."""
    order_language_record(order=order, language=request.LANGUAGE_CODE, actor=CUSTOMER)


def _inline(content, *, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


@never_cache
@require_GET
def checkout_page(request, order_key: str):
    view = _customer_order(order_key)
    _record_language(request, view.order)
    if view.checkout is None:
        return redirect("checkout:status", order_key)
    return _page(request, "checkout/order.html", view)


@never_cache
@require_POST
def pay(request, order_key: str):
    order = _checkout_order(order_key)
    _record_language(request, order)
    try:
        payment = payment_start(order_id=order.pk, actor=CUSTOMER)
    except ProviderError as exc:
        logger.warning("payment provider unavailable for order %s: %s", order.reference, exc)
        return _page(request, "checkout/provider_down.html", _customer_order(order_key), status=503)
    except TesseraError:
        return redirect("checkout:page", order_key)  # the page says why it cannot be paid
    return HttpResponseRedirect(payment.redirect_url)


@never_cache
@require_GET
def payment_return(request, order_key: str):
    return HttpResponseRedirect(checkout_return(order=_checkout_order(order_key)))


@never_cache
@require_GET
def status(request, order_key: str):
    view = _customer_order(order_key)
    _record_language(request, view.order)
    return _page(
        request,
        "checkout/status.html",
        view,
        refresh_seconds=REFRESH_SECONDS if view.waiting else None,
        printable=_printable(view),
    )


@never_cache
@require_GET
def tickets(request, order_key: str):
    view = _customer_order(order_key)
    items = []
    if view.shows_tickets:
        items = tickets_reveal(order=view.order, lines=view.issued_lines, actor=CUSTOMER)
    return _page(
        request,
        "checkout/tickets.html",
        view,
        items=items,
        codes=codes_text(view.order, items),
        printable=_printable(view),
    )


def _printable(view: selectors.CustomerOrder) -> bool:
    """The customer may download the tickets as PDF: paid, and a ticket is issued and active."""
    return view.shows_tickets and bool(printable_lines(view.issued_lines))


@never_cache
@require_GET
def tickets_download(request, order_key: str):
    """The tickets as PDF (one page per ticket, with its QR code), once paid and issued."""
    view = _customer_order(order_key)
    if not _printable(view):
        raise Http404
    return tickets_pdf_response(view.order, ticket_pages(view.order, view.issued_lines))


@never_cache
@require_GET
def codes_download(request, order_key: str):
    """The voucher codes as plain text to copy, once paid and issued (each reveal audited)."""
    view = _customer_order(order_key)
    if not view.shows_tickets:
        raise Http404
    text = codes_text(view.order, tickets_reveal(order=view.order, lines=view.issued_lines, actor=CUSTOMER))
    if not text:
        raise Http404
    return _inline(
        text, content_type="text/plain; charset=utf-8", filename=f"codes-{view.order.reference}.txt"
    )


@never_cache
@require_GET
def receipt(request, order_key: str):
    view = _customer_order(order_key)
    if not view.is_paid:
        raise Http404
    return _page(request, "checkout/receipt.html", view, method=payment_method_words(view))


@never_cache
@require_GET
def receipt_download(request, order_key: str):
    view = _customer_order(order_key)
    if not view.is_paid:
        raise Http404
    return _inline(
        receipt_pdf(view), content_type="application/pdf", filename=f"receipt-{view.order.reference}.pdf"
    )
