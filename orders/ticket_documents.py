"""An order's tickets as one PDF: a page per ticket or voucher of an issued line, each with a QR.

A page says what it is, for whom, when (in the event's or station's own time zone) and where
(the places' names, not the supplier's ids) it is valid, the order reference and the supplier's
references (the collection reference where the supplier gave one that differs from the booking
reference), and carries a QR code with the signed payload of orders.ticket_signing, which the
door checks with Tessera. Its words follow the active language (the customer's page's; English
through the partner API).
Only issued lines whose voucher is active are printed: a refunded or revoked ticket gets no page.

Codes and PINs are not printed. A document like this is forwarded, printed and left in mailboxes;
the secrets stay behind the audited reveals (the tickets page, the list of codes, the API), and
the QR proves the purchase without them. Pages are first described as text (``TicketPage``),
which is what tests read, then drawn with tessera.pdf.Document.
"""

import io
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC
from zoneinfo import ZoneInfo

import segno
from django.http import HttpResponse
from django.utils.translation import gettext as _
from fpdf.enums import XPos, YPos

from orders.models import Order, OrderLine, Voucher
from orders.services.reveal import is_revealable
from orders.statuses import VoucherKind
from orders.ticket_signing import ticket_payload
from orders.vouchers import voucher_of
from tessera.local_time import local_datetime
from tessera.money import format_amount
from tessera.pdf import Document

ISSUER = "Tessera"
QR_WIDTH_MM = 60
QR_SCALE = 10  # pixels per module of the PNG; plenty for print and for scanners


@dataclass(frozen=True)
class TicketPage:
    title: str
    facts: list[tuple[str, str]]
    payload: str
    note: str = ""


def printable_lines(lines: Iterable[OrderLine]) -> list[OrderLine]:
    """Issued lines with an active voucher (what may be revealed), in order (``voucher`` loaded)."""
    return [line for line in lines if (voucher := voucher_of(line)) and is_revealable(voucher)]


def ticket_pages(order: Order, lines: Iterable[OrderLine]) -> list[TicketPage]:
    """One page per printable line of ``order`` (lines with their traveller and voucher loaded)."""
    return [_page(order, line, line.voucher) for line in printable_lines(lines)]


def tickets_pdf(order: Order, pages: list[TicketPage]) -> bytes:
    document = Document(
        title=_("Tickets for order %(reference)s") % {"reference": order.reference}, issuer=ISSUER
    )
    for number, page in enumerate(pages, start=1):
        if number > 1:
            document.add_page()
        document.heading(
            _("%(title)s  (%(number)s of %(count)s)")
            % {"title": page.title, "number": number, "count": len(pages)}
        )
        document.facts(page.facts)
        document.ln(4)
        document.image(io.BytesIO(_qr_png(page.payload)), w=QR_WIDTH_MM, h=QR_WIDTH_MM)
        document.set_font(document.font_name, "", 8)
        document.multi_cell(
            0,
            5,
            document.clean(_("Scan to check: Tessera tells whether this ticket is genuine and valid.")),
            new_x=XPos.LMARGIN,
            new_y=YPos.NEXT,
        )
        document.set_font(document.font_name, "", 10)
        if page.note:
            document.ln(2)
            document.text(page.note)
    return document.bytes()


def tickets_pdf_response(order: Order, pages: list[TicketPage]) -> HttpResponse:
    response = HttpResponse(tickets_pdf(order, pages), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="tickets-{order.reference}.pdf"'
    response["Cache-Control"] = "no-store"
    return response


def _page(order: Order, line: OrderLine, voucher: Voucher) -> TicketPage:
    is_code = voucher.kind == VoucherKind.CODE
    product = line.product
    zone = product.zone
    facts = [(_("What"), line.description)]
    if line.denomination is not None:
        facts.append((_("Value"), f"{format_amount(line.denomination, line.currency)} {line.currency}"))
    holder = str(line.traveller) if line.traveller else order.contact_name
    if holder:
        facts.append((_("For"), holder))
    if line.starts_at:
        facts.append((_("When"), local_datetime(line.starts_at, zone)))
    if line.from_place and line.to_place:
        facts += [
            (_("From"), product.place_name(line.from_place)),
            (_("To"), product.place_name(line.to_place)),
        ]
    elif line.from_place:
        facts.append((_("Where"), product.place_name(line.from_place)))
    validity = _validity(voucher, zone)
    if validity:
        facts.append((_("Valid"), validity))
    facts.append((_("Order"), order.reference))
    booking, collection = line.supplier_booking_ref, voucher.collection_reference
    if booking and booking == collection:
        facts.append((_("Booking and collection reference"), booking))
    else:
        if booking:
            facts.append((_("Booking reference"), booking))
        if collection:
            facts.append((_("Collection reference"), collection))
    note = (
        _("The voucher code and PIN are delivered separately; they are not printed here.") if is_code else ""
    )
    return TicketPage(
        title=_("Voucher") if is_code else _("Ticket"),
        facts=facts,
        payload=ticket_payload(voucher),
        note=note,
    )


def _validity(voucher: Voucher, zone: ZoneInfo) -> str:
    start, end = voucher.valid_from, voucher.valid_until
    if start and end:
        return _("from %(start)s until %(end)s") % {
            "start": local_datetime(start, zone),
            "end": local_datetime(end, zone),
        }
    if end:
        return _("until %(end)s") % {"end": local_datetime(end, zone)}
    if start:
        return _("from %(start)s") % {"start": local_datetime(start, zone)}
    return ""


def _qr_png(payload: str) -> bytes:
    buffer = io.BytesIO()
    segno.make_qr(payload, error="m").save(buffer, kind="png", scale=QR_SCALE, border=4)
    return buffer.getvalue()


def codes_text(order: Order, tickets: Iterable[dict]) -> str:
    """The revealed gift card codes among ``tickets`` (as orders' reveal gives them) as plain text
    to copy: one line per code, tab-separated: code, PIN, what it is, until when it is valid.
    Tickets are left out: they are shown, not typed in anywhere."""
    rows = []
    for ticket in tickets:
        line, voucher = ticket["line"], ticket["voucher"]
        if not ticket.get("code") or voucher.kind != VoucherKind.CODE:
            continue
        what = line.description
        if line.denomination is not None:
            what += f" {format_amount(line.denomination, line.currency)} {line.currency}"
        pin = _("PIN %(pin)s") % {"pin": ticket["pin"]} if ticket.get("pin") else ""
        columns = [ticket["code"], pin, what]
        if voucher.valid_until:
            until = f"{voucher.valid_until.astimezone(UTC):%Y-%m-%d}"
            columns.append(_("valid until %(date)s") % {"date": until})
        rows.append("\t".join(columns))
    if not rows:
        return ""
    header = _("# Order %(reference)s: your codes. Keep them private.") % {"reference": order.reference}
    return "\n".join([header, *rows]) + "\n"
