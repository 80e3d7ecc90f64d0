"""Staff read invoices and credit notes in the admin, download their documents, and close ended
months from the invoice list; lists cost a bounded number of queries however many rows."""

from datetime import UTC, date, datetime

import pytest
from django.urls import reverse

from payments.models import Invoice, InvoiceStatus
from payments.services.invoicing import invoices_close
from tests import factories
from tests.invoicing_support import STAFF, billed_order, credit, product, refund_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client, django_user_model):
    user = django_user_model.objects.create_superuser("finance", "finance@example.com", "pw-finance-1")
    client.force_login(user)
    return client


@pytest.fixture
def books(db):
    """Three partners, each with closed January and February invoices, an open March one and a
    credit note."""
    ticket = product(price="112.00", tax_rate="12")
    partners = [factories.partner(invoice=True, name=f"Agency {n}") for n in range(3)]
    for partner in partners:
        for month in (1, 2, 3):
            billed_order(partner, (ticket, 2), at=datetime(2026, month, 5, tzinfo=UTC))
    invoices_close(actor=STAFF, today=date(2026, 3, 1))
    for partner in partners:
        order = partner.orders.order_by("created_at").first()
        credit(refund_of(order, line_count=1), at=datetime(2026, 3, 9, tzinfo=UTC))
    return partners


@pytest.mark.parametrize("model", ["invoice", "creditnote"])
def test_the_changelists_cost_a_bounded_number_of_queries(
    staff_client, books, model, django_assert_max_num_queries
):
    with django_assert_max_num_queries(12):
        response = staff_client.get(reverse(f"admin:payments_{model}_changelist"))

    assert response.status_code == 200


def listed(response) -> set[str]:
    return {str(invoice) for invoice in response.context["cl"].result_list}


def test_the_invoice_list_filters_by_status_partner_and_period(staff_client, books):
    url = reverse("admin:payments_invoice_changelist")

    closed = staff_client.get(url, {"status__exact": "CLOSED"})
    one_partner = staff_client.get(url, {"partner__id__exact": books[0].pk})
    february = staff_client.get(url, {"period_start__year": "2026", "period_start__month": "2"})

    assert listed(closed) == {f"INV-2026-0000{n}" for n in range(1, 7)}
    assert listed(one_partner) == {"INV-2026-00001", "INV-2026-00004", "Agency 0 2026-03 (open)"}
    assert listed(february) == {"INV-2026-00004", "INV-2026-00005", "INV-2026-00006"}


def test_an_open_invoice_shows_its_running_total(staff_client, books):
    page = staff_client.get(reverse("admin:payments_invoice_changelist"), {"status__exact": "OPEN"})

    assert page.content.decode().count("112.00 EUR so far") == 3  # 224.00 billed, 112.00 credited


def test_the_invoice_page_shows_its_items_and_links_its_documents(
    staff_client, books, django_assert_max_num_queries
):
    invoice = Invoice.objects.get(partner=books[0], period_start=date(2026, 1, 1))

    with django_assert_max_num_queries(20):
        response = staff_client.get(reverse("admin:payments_invoice_change", args=[invoice.pk]))

    page = response.content.decode()
    assert response.status_code == 200
    assert invoice.number in page
    assert invoice.items.get().order.reference in page
    assert reverse("admin:payments_invoice_pdf", args=[invoice.pk]) in page
    assert reverse("admin:payments_invoice_csv", args=[invoice.pk]) in page


def test_staff_download_a_closed_invoices_pdf_and_csv(staff_client, books):
    invoice = Invoice.objects.filter(status=InvoiceStatus.CLOSED).first()

    pdf = staff_client.get(reverse("admin:payments_invoice_pdf", args=[invoice.pk]))
    csv = staff_client.get(reverse("admin:payments_invoice_csv", args=[invoice.pk]))

    assert pdf.status_code == 200 and pdf.content == bytes(invoice.pdf)
    assert csv.status_code == 200 and csv.content.decode() == invoice.csv


def test_an_open_invoice_has_no_download(staff_client, books):
    invoice = Invoice.objects.filter(status=InvoiceStatus.OPEN).first()

    response = staff_client.get(reverse("admin:payments_invoice_pdf", args=[invoice.pk]))

    assert response.status_code == 404


def test_documents_are_for_staff_only(client, books):
    invoice = Invoice.objects.filter(status=InvoiceStatus.CLOSED).first()

    response = client.get(reverse("admin:payments_invoice_pdf", args=[invoice.pk]))

    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_the_action_closes_the_selected_invoices_whose_month_has_ended(staff_client, books):
    march = list(Invoice.objects.filter(status=InvoiceStatus.OPEN).order_by("pk"))
    chosen = march[:2]

    response = staff_client.post(
        reverse("admin:payments_invoice_changelist"),
        {"action": "close_ended_periods", "_selected_action": [i.pk for i in chosen]},
        follow=True,
    )

    assert response.status_code == 200
    assert "Closed 2 invoices: INV-2026-00007, INV-2026-00008." in response.content.decode()
    statuses = dict(Invoice.objects.filter(pk__in=[i.pk for i in march]).values_list("pk", "status"))
    assert statuses == {march[0].pk: "CLOSED", march[1].pk: "CLOSED", march[2].pk: "OPEN"}


def test_the_action_says_so_when_nothing_selected_can_close(staff_client, books):
    billed_order(books[0], (product(), 1))  # this month: it has not ended
    still_running = Invoice.objects.filter(partner=books[0], status=InvoiceStatus.OPEN).latest("period_start")

    response = staff_client.post(
        reverse("admin:payments_invoice_changelist"),
        {"action": "close_ended_periods", "_selected_action": [still_running.pk]},
        follow=True,
    )

    assert "None of the selected invoices is an open invoice of an ended month." in response.content.decode()
    assert Invoice.objects.get(pk=still_running.pk).status == InvoiceStatus.OPEN


def test_invoices_cannot_be_edited_added_or_deleted_in_the_admin(staff_client, books):
    invoice = Invoice.objects.filter(status=InvoiceStatus.CLOSED).first()

    staff_client.post(reverse("admin:payments_invoice_change", args=[invoice.pk]), {"number": "X-1"})
    add = staff_client.get(reverse("admin:payments_invoice_add"))
    delete = staff_client.get(reverse("admin:payments_invoice_delete", args=[invoice.pk]))

    assert Invoice.objects.get(pk=invoice.pk).number == invoice.number
    assert add.status_code == 403
    assert delete.status_code == 403


def test_the_credit_note_page_links_its_pdf_which_downloads(staff_client, books):
    note = books[0].credit_notes.get()

    page = staff_client.get(reverse("admin:payments_creditnote_change", args=[note.pk])).content.decode()
    pdf = staff_client.get(reverse("admin:payments_creditnote_pdf", args=[note.pk]))

    assert note.number in page
    assert reverse("admin:payments_creditnote_pdf", args=[note.pk]) in page
    assert pdf.status_code == 200 and pdf.content == bytes(note.pdf)
