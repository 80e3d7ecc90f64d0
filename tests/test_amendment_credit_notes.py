"""An amendment of an invoiced order that gives money back issues a credit note: numbered in the
CN series, a PDF listing the lines given up and added and the fees kept at their VAT rates, and
a negative credit on the open invoice, exactly as a refund's credit note."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from orders.models import OrderEvent
from payments.models import CreditNote, InvoiceItem, InvoiceStatus
from payments.services.invoicing import invoice_accrue_amendment, invoices_close
from tessera.actors import Actor
from tests.amendment_invoicing_support import amend, current_lines, delivered_invoice_order, fee_product
from tests.api_support import client_for
from tests.invoicing_support import STAFF, clock, credit, product, refund_of

pytestmark = pytest.mark.django_db


def test_removing_a_ticket_issues_a_numbered_credit_note_that_the_open_invoice_deducts(invoice_partner):
    # Given an invoiced, delivered order of two 112.00 tickets at 12 % VAT
    ticket = product(price="112.00", tax_rate="12")
    order = delivered_invoice_order(invoice_partner, (ticket, 2))
    first_note = credit(refund_of(delivered_invoice_order(invoice_partner, (ticket, 1))))

    # When an amendment removes one of them (a balance of -112.00)
    version = amend(order, remove=current_lines(order)[1:])

    # Then a credit note gives the 112.00 back, the next number of the CN series
    note = CreditNote.objects.get(order=order)
    assert note.number == f"CN-{date.today().year}-{int(first_note.number[-5:]) + 1:05d}"
    assert (note.amendment, note.refund) == (version, None)
    assert (note.total_amount, note.tax_amount, note.net_amount) == (
        Decimal("112.00"),
        Decimal("12.00"),
        Decimal("100.00"),
    )
    assert bytes(note.pdf).startswith(b"%PDF-")
    # and its amount is a negative credit on the open invoice, for the amendment
    item = InvoiceItem.objects.get(amendment=version)
    assert (item.kind, item.credit_note, item.invoice.status) == ("credit", note, InvoiceStatus.OPEN)
    assert (item.total_amount, item.tax_amount, item.net_amount) == (
        Decimal("-112.00"),
        Decimal("-12.00"),
        Decimal("-100.00"),
    )
    assert item.description == f"Credit note {note.number} for order {order.reference}, version 2"
    assert version.settlement_reference == f"invoice-item:{item.pk}"
    # and the order's trail records it with the version
    event = OrderEvent.objects.get(order=order, transition="credit_note.issued")
    assert event.payload["version"] == 2
    assert event.payload["total"] == "112.00"


def test_the_credit_note_pdf_lists_the_lines_given_up_and_added_and_the_fee_kept_at_their_rates(
    invoice_partner, recorded
):
    # Given an invoiced order billed in March: a 125.00 ticket at 25 % that costs 10.00 to exchange
    dear = fee_product(price="125.00", tax_rate="25", change_fee="10.00")
    with clock(datetime(2026, 3, 10, 9, tzinfo=UTC)):
        order = delivered_invoice_order(invoice_partner, (dear, 1))
    invoices_close(actor=STAFF, today=date(2026, 4, 1))
    cheap = product(price="56.00", tax_rate="12")
    recorded.clear()

    # When in April it is exchanged for a 56.00 ticket at 12 %: 125.00 back, less 56.00 and the fee
    with clock(datetime(2026, 4, 2, 9, tzinfo=UTC)):
        version = amend(order, exchange=[(current_lines(order)[0], cheap)])

    # Then the credit note gives back 59.00, and names the amendment, the invoices and each line
    assert version.balance == Decimal("-59.00")
    note = CreditNote.objects.get(amendment=version)
    facts = dict(recorded[0][1])
    assert facts["Credit note number"] == note.number
    assert (facts["Order"], facts["Amendment"]) == (order.reference, "Version 2")
    assert (facts["Billed on"], facts["Deducted on"]) == ("INV-2026-00001", "the invoice for 2026-04 (open)")
    changed, vat = (rows for kind, rows in recorded if kind == "table")
    old, new = order.lines.order_by("position")
    assert changed == [
        ["Description", "VAT rate", "Credited"],
        [f"1. {old.description} (exchanged away)", "25 %", "125.00"],
        [f"2. {new.description} (added)", "12 %", "-56.00"],
        ["Change fees kept", "25 %", "-10.00"],
    ]
    # 125.00 - 10.00 = 115.00 at 25 % holds 23.00; 56.00 at 12 % holds 6.00
    assert vat == [
        ["Rate", "Net", "VAT", "Gross"],
        ["12 %", "-50.00", "-6.00", "-56.00"],
        ["25 %", "92.00", "23.00", "115.00"],
    ]
    assert (note.total_amount, note.tax_amount) == (Decimal("59.00"), Decimal("17.00"))


def test_an_amendment_gets_one_credit_note_however_often_it_is_billed(invoice_partner):
    # Given an amendment whose negative balance was credited
    order = delivered_invoice_order(invoice_partner, (product(price="50.00"), 2))
    version = amend(order, remove=current_lines(order)[:1])
    item = InvoiceItem.objects.get(amendment=version)

    # When it is billed again (a retried confirmation)
    again = invoice_accrue_amendment(order=order, version=version, actor=STAFF)

    # Then the same credit item and credit note stand, alone
    assert again == item
    assert CreditNote.objects.filter(order=order).count() == 1


def test_partners_read_the_amendments_credit_note_with_its_version(invoice_partner):
    # Given an amendment that removed a ticket of an invoiced order
    order = delivered_invoice_order(invoice_partner, (product(price="112.00", tax_rate="12"), 2))
    amend(order, remove=current_lines(order)[1:])
    note = CreditNote.objects.get(order=order)

    # When the partner lists its credit notes and downloads this one
    api = client_for(invoice_partner)
    [listed] = api.get("/credit-notes").json()["items"]
    pdf = api.get(f"/credit-notes/{note.pk}/pdf")

    # Then it names the version it credits and no refund, and its PDF downloads
    assert (listed["number"], listed["refundId"], listed["amendmentVersion"]) == (note.number, None, 2)
    assert listed["total"] == {"amount": "112.00", "currency": "EUR"}
    assert (pdf.status_code, pdf["Content-Type"]) == (200, "application/pdf")


@pytest.fixture
def staff_client(client, django_user_model):
    user = django_user_model.objects.create_superuser("finance", "finance@example.com", "pw-finance-1")
    client.force_login(user)
    return client


def test_the_admin_lists_the_credit_note_with_the_amendment_it_credits(invoice_partner, staff_client):
    # Given one credit note of a refund and one of an amendment
    ticket = product(price="112.00", tax_rate="12")
    refunded = credit(refund_of(delivered_invoice_order(invoice_partner, (ticket, 1))))
    order = delivered_invoice_order(invoice_partner, (ticket, 2))
    amend(order, remove=current_lines(order)[1:])
    amended = CreditNote.objects.get(order=order)

    # When staff open the credit notes' list and the amendment's note
    page = staff_client.get(reverse("admin:payments_creditnote_changelist")).content.decode()
    detail = staff_client.get(reverse("admin:payments_creditnote_change", args=[amended.pk])).content.decode()

    # Then each says what it gives back
    assert "Amendment: version 2" in page
    assert f"Refund {refunded.refund_id}" in page
    assert "Version 2" in detail
    assert reverse("admin:payments_creditnote_pdf", args=[amended.pk]) in detail


def test_closing_the_invoice_deducts_the_amendments_credit_note(invoice_partner):
    # Given an order of two 112.00 tickets at 12 % billed in March, one removed in March
    with clock(datetime(2026, 3, 10, 9, tzinfo=UTC)):
        order = delivered_invoice_order(invoice_partner, (product(price="112.00", tax_rate="12"), 2))
        amend(order, remove=current_lines(order)[1:])

    # When March's invoice closes
    [invoice] = invoices_close(actor=Actor.system("tests"), today=date(2026, 4, 1))

    # Then it bills 224.00 less the 112.00 credited, with the VAT of what is left
    assert (invoice.total_amount, invoice.tax_amount) == (Decimal("112.00"), Decimal("12.00"))
    assert "Credit note CN-" in invoice.csv
