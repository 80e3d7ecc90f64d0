"""An order's tickets as one PDF: a page per ticket or voucher of an issued line, each with a QR.

A page says what it is, for whom, when and where it is valid, the order reference and the
supplier's references (the collection reference where the supplier gave one), and carries a QR
code with the signed payload of orders.ticket_signing, which the door checks with Tessera.
Only issued lines whose voucher is active are printed: a refunded or revoked ticket gets no page.

Codes and PINs are not printed. A document like this is forwarded, printed and left in mailboxes;
the secrets stay behind the audited reveals (the tickets page, the list of codes, the API), and
the QR proves the purchase without them. Pages are first described as text (``TicketPage``),
which is what tests read, then drawn with tessera.pdf.Document.
"""

import io
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

import segno
from django.http import HttpResponse
from fpdf.enums import XPos, YPos

from orders.models import Order, OrderLine, Voucher
from orders.services.reveal import is_revealable
from orders.statuses import VoucherKind
from orders.ticket_signing import ticket_payload
from orders.vouchers import voucher_of
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
    document = Document(title=f"Tickets for order {order.reference}", issuer=ISSUER)
    for number, page in enumerate(pages, start=1):
        if number > 1:
            document.add_page()
        document.heading(f"{page.title}  ({number} of {len(pages)})")
        document.facts(page.facts)
        document.ln(4)
        document.image(io.BytesIO(_qr_png(page.payload)), w=QR_WIDTH_MM, h=QR_WIDTH_MM)
        document.set_font(document.font_name, "", 8)
        document.multi_cell(
            0,
            5,
            document.clean("Scan to check: Tessera tells whether this ticket is genuine and valid."),
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
    facts = [("What", line.description)]
    if line.denomination is not None:
        facts.append(("Value", f"{format_amount(line.denomination, line.currency)} {line.currency}"))
    holder = str(line.traveller) if line.traveller else order.contact_name
    if holder:
        facts.append(("For", holder))
    if line.starts_at:
        facts.append(("When", _when(line.starts_at)))
    if line.from_place and line.to_place:
        facts += [("From", line.from_place), ("To", line.to_place)]
    elif line.from_place:
        facts.append(("Where", line.from_place))
    validity = _validity(voucher)
    if validity:
        facts.append(("Valid", validity))
    facts.append(("Order", order.reference))
    if line.supplier_booking_ref:
        facts.append(("Booking reference", line.supplier_booking_ref))
    if voucher.collection_reference:
        facts.append(("Collection reference", voucher.collection_reference))
    note = "The voucher code and PIN are delivered separately; they are not printed here." if is_code else ""
    return TicketPage(
        title="Voucher" if is_code else "Ticket", facts=facts, payload=ticket_payload(voucher), note=note
    )


def _when(moment: datetime) -> str:
    moment = moment.astimezone(UTC)
    return f"{moment:%a} {moment.day} {moment:%b %Y, %H:%M} UTC"


def _validity(voucher: Voucher) -> str:
    start, end = voucher.valid_from, voucher.valid_until
    if start and end:
        return f"from {_when(start)} until {_when(end)}"
    if end:
        return f"until {_when(end)}"
    if start:
        return f"from {_when(start)}"
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
        columns = [ticket["code"], f"PIN {ticket['pin']}" if ticket.get("pin") else "", what]
        if voucher.valid_until:
            columns.append(f"valid until {voucher.valid_until.astimezone(UTC):%Y-%m-%d}")
        rows.append("\t".join(columns))
    if not rows:
        return ""
    return "\n".join([f"# Order {order.reference}: your codes. Keep them private.", *rows]) + "\n"
