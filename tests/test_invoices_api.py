"""Partners read their invoices and credit notes over the API: lists with filters and pages, an
invoice with its items, the stored PDF and CSV of closed ones, and nothing of another partner."""

from datetime import UTC, date, datetime

import pytest

from payments.models import Invoice
from payments.services.invoicing import invoices_close
from tests import factories
from tests.api_support import client_for
from tests.invoicing_support import STAFF, billed_order, credit, product, refund_of

pytestmark = pytest.mark.django_db

MARCH = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)
APRIL = datetime(2026, 4, 8, 9, 0, tzinfo=UTC)


@pytest.fixture
def books(db):
    """A partner with a closed March invoice (two orders) and an open April one holding a credit."""
    partner = factories.partner(invoice=True, name="Nordic Agency")
    rail = product(price="112.00", tax_rate="12")
    first = billed_order(partner, (rail, 1), at=MARCH, external_reference="PO-1")
    second = billed_order(partner, (rail, 2), at=MARCH)
    invoices_close(actor=STAFF, today=date(2026, 4, 1))
    note = credit(refund_of(first), at=APRIL)
    march = Invoice.objects.get(partner=partner, period_start=date(2026, 3, 1))
    april = Invoice.objects.get(partner=partner, period_start=date(2026, 4, 1))
    return {
        "api": client_for(partner),
        "orders": (first, second),
        "march": march,
        "april": april,
        "note": note,
    }


# --- lists --------------------------------------------------------------------------------------


def test_the_list_shows_each_invoice_newest_period_first_with_totals_and_document_links(books):
    response = books["api"].get("/invoices")

    assert response.status_code == 200
    body = response.json()
    assert (body["totalItems"], body["page"], body["perPage"]) == (2, 1, 25)
    april, march = body["items"]
    assert march == {
        "id": books["march"].pk,
        "number": "INV-2026-00001",
        "status": "CLOSED",
        "currency": "EUR",
        "period": "2026-03",
        "periodStart": "2026-03-01",
        "periodEnd": "2026-03-31",
        "net": {"amount": "300.00", "currency": "EUR"},
        "tax": {"amount": "36.00", "currency": "EUR"},
        "total": {"amount": "336.00", "currency": "EUR"},
        "itemCount": 2,
        "closedAt": march["closedAt"],
        "createdAt": march["createdAt"],
        "documents": {
            "pdf": f"/api/v1/invoices/{books['march'].pk}/pdf",
            "csv": f"/api/v1/invoices/{books['march'].pk}/csv",
        },
    }
    assert march["closedAt"] is not None


def test_an_open_invoice_shows_its_running_totals_and_no_documents_yet(books):
    april = books["api"].get("/invoices", {"status": "OPEN"}).json()["items"]

    assert [(i["period"], i["number"], i["total"]["amount"], i["itemCount"]) for i in april] == [
        ("2026-04", None, "-112.00", 1)
    ]
    assert april[0]["documents"] == {"pdf": None, "csv": None}
    assert april[0]["closedAt"] is None


@pytest.mark.parametrize(
    ("params", "periods"),
    [
        ({"status": "CLOSED"}, ["2026-03"]),
        ({"status": "in:OPEN,CLOSED"}, ["2026-04", "2026-03"]),
        ({"period": "2026-04"}, ["2026-04"]),
        ({"period": "lt:2026-04"}, ["2026-03"]),
        ({"period": "gte:2026-01"}, ["2026-04", "2026-03"]),
        ({"currency": "eur"}, ["2026-04", "2026-03"]),
        ({"currency": "NOK"}, []),
        ({"limit": "1"}, ["2026-04"]),
        ({"page": "2", "perPage": "1"}, ["2026-03"]),
    ],
)
def test_invoices_filter_by_status_period_and_currency_and_page(books, params, periods):
    response = books["api"].get("/invoices", params)

    assert response.status_code == 200, response.json()
    assert [item["period"] for item in response.json()["items"]] == periods


@pytest.mark.parametrize(
    "params", [{"status": "PAID"}, {"period": "March"}, {"period": "2026-13"}, {"colour": "red"}]
)
def test_a_bad_invoice_filter_is_a_clear_400(books, params):
    response = books["api"].get("/invoices", params)

    assert response.status_code == 400
    assert response.json()["errorCode"] == "INVALID_FILTER"
    assert set(response.json()["errors"]) == set(params)


def test_the_invoice_list_costs_the_same_for_many_invoices(db, django_assert_max_num_queries):
    partner = factories.partner(invoice=True)
    ticket = product()
    for month in range(1, 13):
        billed_order(partner, (ticket, 1), at=datetime(2025, month, 5, tzinfo=UTC))
    invoices_close(actor=STAFF, today=date(2026, 1, 1))
    api = client_for(partner)

    with django_assert_max_num_queries(6):
        response = api.get("/invoices", {"perPage": "12"})

    assert len(response.json()["items"]) == 12


# --- one invoice --------------------------------------------------------------------------------


def test_an_invoice_shows_its_items(books):
    first, second = books["orders"]

    response = books["api"].get(f"/invoices/{books['april'].pk}")

    assert response.status_code == 200
    [item] = response.json()["items"]
    assert item == {
        "kind": "credit",
        "description": f"Credit note {books['note'].number} for order {first.reference}",
        "orderId": str(first.pk),
        "orderReference": first.reference,
        "externalReference": "PO-1",
        "creditNoteId": books["note"].pk,
        "creditNoteNumber": "CN-2026-00001",
        "net": {"amount": "-100.00", "currency": "EUR"},
        "tax": {"amount": "-12.00", "currency": "EUR"},
        "total": {"amount": "-112.00", "currency": "EUR"},
        "createdAt": item["createdAt"],
    }
    march = books["api"].get(f"/invoices/{books['march'].pk}").json()
    assert [(i["kind"], i["orderReference"]) for i in march["items"]] == [
        ("charge", first.reference),
        ("charge", second.reference),
    ]


def test_a_closed_invoice_downloads_as_its_stored_pdf_and_csv(books):
    march = books["march"]

    pdf = books["api"].get(f"/invoices/{march.pk}/pdf")
    csv = books["api"].get(f"/invoices/{march.pk}/csv")

    assert pdf.status_code == 200
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf["Content-Disposition"] == 'attachment; filename="INV-2026-00001.pdf"'
    assert pdf.content == bytes(march.pdf) and pdf.content.startswith(b"%PDF-")
    assert csv.status_code == 200
    assert csv["Content-Type"] == "text/csv; charset=utf-8"
    assert csv.content.decode() == march.csv


def test_a_client_that_accepts_only_pdf_gets_the_pdf_and_its_errors_as_problems(books):
    pdf = books["api"].get(f"/invoices/{books['march'].pk}/pdf", Accept="application/pdf")
    missing = books["api"].get("/invoices/999999/pdf", Accept="application/pdf")

    assert pdf.status_code == 200
    assert missing.status_code == 404
    assert missing["Content-Type"] == "application/problem+json"
    assert missing.json()["errorCode"] == "INVOICE_NOT_FOUND"


@pytest.mark.parametrize("document", ["pdf", "csv"])
def test_an_open_invoice_has_no_documents_yet_409(books, document):
    response = books["api"].get(f"/invoices/{books['april'].pk}/{document}")

    assert response.status_code == 409
    body = response.json()
    assert (body["errorCode"], body["retryable"]) == ("INVOICE_NOT_CLOSED", True)
    assert body["context"] == {"period": "2026-04"}


# --- credit notes -------------------------------------------------------------------------------


def test_credit_notes_list_with_their_invoices_and_amounts(books):
    first, _ = books["orders"]
    note = books["note"]

    body = books["api"].get("/credit-notes").json()

    assert body["totalItems"] == 1
    assert body["items"] == [
        {
            "id": note.pk,
            "number": "CN-2026-00001",
            "orderId": str(first.pk),
            "orderReference": first.reference,
            "refundId": str(note.refund_id),
            "amendmentVersion": None,
            "invoiceId": books["march"].pk,
            "invoiceNumber": "INV-2026-00001",
            "deductedOnInvoiceId": books["april"].pk,
            "net": {"amount": "100.00", "currency": "EUR"},
            "tax": {"amount": "12.00", "currency": "EUR"},
            "total": {"amount": "112.00", "currency": "EUR"},
            "issuedAt": body["items"][0]["issuedAt"],
            "pdf": f"/api/v1/credit-notes/{note.pk}/pdf",
        }
    ]


def test_credit_notes_filter_by_order(books):
    first, second = books["orders"]

    by_first = books["api"].get("/credit-notes", {"orderId": str(first.pk)}).json()["items"]
    by_second = books["api"].get("/credit-notes", {"orderId": str(second.pk)}).json()["items"]

    assert [note["number"] for note in by_first] == ["CN-2026-00001"]
    assert by_second == []


def test_a_credit_note_downloads_as_its_stored_pdf(books):
    note = books["note"]

    response = books["api"].get(f"/credit-notes/{note.pk}/pdf")

    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="CN-2026-00001.pdf"'
    assert response.content == bytes(note.pdf)


# --- isolation ----------------------------------------------------------------------------------


def test_another_partners_invoices_and_credit_notes_are_404_and_not_listed(books):
    stranger = client_for(factories.partner(invoice=True))
    march, note = books["march"], books["note"]

    for path, code in [
        (f"/invoices/{march.pk}", "INVOICE_NOT_FOUND"),
        (f"/invoices/{march.pk}/pdf", "INVOICE_NOT_FOUND"),
        (f"/invoices/{march.pk}/csv", "INVOICE_NOT_FOUND"),
        (f"/credit-notes/{note.pk}/pdf", "CREDIT_NOTE_NOT_FOUND"),
    ]:
        response = stranger.get(path)
        assert response.status_code == 404, path
        assert response.json()["errorCode"] == code
    assert stranger.get("/invoices").json()["items"] == []
    assert stranger.get("/credit-notes").json()["items"] == []


def test_the_404_for_another_partners_invoice_is_the_same_as_for_none(books):
    stranger = client_for(factories.partner(invoice=True))

    theirs = stranger.get(f"/invoices/{books['march'].pk}").json()
    nothing = stranger.get("/invoices/999999").json()

    assert {k: v for k, v in theirs.items() if k != "correlationId"} == {
        k: v for k, v in nothing.items() if k != "correlationId"
    }
