"""The partner's invoices and credit notes: lists, details and the stored PDF and CSV documents."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.response import Response

from payments import invoice_selectors as selectors
from payments.api.filters import CreditNoteFilters, InvoiceFilters
from payments.api.invoice_serializers import CreditNoteOut, InvoiceDetailOut, InvoiceOut
from payments.errors import CreditNoteNotFound, InvoiceNotClosed, InvoiceNotFound
from payments.invoice_documents import credit_note_pdf_response, invoice_csv_response, invoice_pdf_response
from payments.models import InvoiceStatus
from tessera.api.base import PartnerAPIView, document_errors, paged, read_errors
from tessera.api.fields import ProblemSerializer
from tessera.api.filtering import apply_filters, check_params
from tessera.api.pagination import PAGE_PARAMS, page_parameters, page_request, paginate
from tessera.api.problems import PROBLEM_CONTENT_TYPE
from tessera.api.rendering import render, render_many

INVOICE_ID = OpenApiParameter("invoice_id", int, OpenApiParameter.PATH, description="Invoice id.")
CREDIT_NOTE_ID = OpenApiParameter("credit_note_id", int, OpenApiParameter.PATH, description="Credit note id.")


class DocumentView(PartnerAPIView):
    """Sends a stored document as it is. A client may accept only the document's media type; an
    error is still answered, as problem+json, instead of 406."""

    def perform_content_negotiation(self, request, force=False):
        return super().perform_content_negotiation(request, force=True)


def _document_responses(media_type: str, what: str, *, conflict: bool) -> dict:
    responses = {
        (200, media_type): OpenApiResponse(OpenApiTypes.BINARY, description=what),
        **document_errors(),
    }
    if conflict:
        responses[(409, PROBLEM_CONTENT_TYPE)] = OpenApiResponse(
            ProblemSerializer, description="INVOICE_NOT_CLOSED: an OPEN invoice has no documents yet."
        )
    return responses


class InvoiceCollection(PartnerAPIView):
    filterset_class = InvoiceFilters

    @extend_schema(
        operation_id="listInvoices",
        summary="Your monthly invoices, newest period first",
        parameters=page_parameters(),
        responses={200: paged(InvoiceOut, "InvoicePage"), **read_errors()},
    )
    def get(self, request):
        queryset = apply_filters(
            selectors.invoices_of(request.user.partner.pk),
            request.query_params,
            self.filterset_class,
            reserved=PAGE_PARAMS,
        )
        items, meta = paginate(queryset, page_request(request.query_params))
        return Response({"items": render_many(InvoiceOut, items), **meta})


class InvoiceDetail(PartnerAPIView):
    @extend_schema(
        operation_id="getInvoice",
        summary="An invoice with its items (orders billed, credit notes deducted)",
        parameters=[INVOICE_ID],
        responses={200: InvoiceDetailOut, **read_errors()},
    )
    def get(self, request, invoice_id: int):
        check_params(request.query_params, ())
        invoice = selectors.invoice_of(partner_id=request.user.partner.pk, invoice_id=invoice_id)
        if invoice is None:
            raise InvoiceNotFound("No such invoice.")
        return Response(render(InvoiceDetailOut, invoice))


def _closed_invoice(request, invoice_id: int):
    invoice = selectors.invoice_document_of(partner_id=request.user.partner.pk, invoice_id=invoice_id)
    if invoice is None:
        raise InvoiceNotFound("No such invoice.")
    if invoice.status != InvoiceStatus.CLOSED:
        raise InvoiceNotClosed(
            f"The invoice for {invoice.period_start:%Y-%m} is open until its month is closed; "
            "its PDF and CSV are made then.",
            period=f"{invoice.period_start:%Y-%m}",
        )
    return invoice


class InvoicePdf(DocumentView):
    @extend_schema(
        operation_id="getInvoicePdf",
        summary="A closed invoice as PDF",
        parameters=[INVOICE_ID],
        responses=_document_responses("application/pdf", "The invoice.", conflict=True),
    )
    def get(self, request, invoice_id: int):
        check_params(request.query_params, ())
        invoice = _closed_invoice(request, invoice_id)
        return invoice_pdf_response(invoice)


class InvoiceCsv(DocumentView):
    @extend_schema(
        operation_id="getInvoiceCsv",
        summary="A closed invoice's items as CSV",
        parameters=[INVOICE_ID],
        responses=_document_responses("text/csv", "One row per item, with a header row.", conflict=True),
    )
    def get(self, request, invoice_id: int):
        check_params(request.query_params, ())
        invoice = _closed_invoice(request, invoice_id)
        return invoice_csv_response(invoice)


class CreditNoteCollection(PartnerAPIView):
    filterset_class = CreditNoteFilters

    @extend_schema(
        operation_id="listCreditNotes",
        summary="Your credit notes (refunds of invoiced orders), newest first",
        parameters=page_parameters(),
        responses={200: paged(CreditNoteOut, "CreditNotePage"), **read_errors()},
    )
    def get(self, request):
        queryset = apply_filters(
            selectors.credit_notes_of(request.user.partner.pk),
            request.query_params,
            self.filterset_class,
            reserved=PAGE_PARAMS,
        )
        items, meta = paginate(queryset, page_request(request.query_params))
        return Response({"items": render_many(CreditNoteOut, items), **meta})


class CreditNotePdf(DocumentView):
    @extend_schema(
        operation_id="getCreditNotePdf",
        summary="A credit note as PDF",
        parameters=[CREDIT_NOTE_ID],
        responses=_document_responses("application/pdf", "The credit note.", conflict=False),
    )
    def get(self, request, credit_note_id: int):
        check_params(request.query_params, ())
        note = selectors.credit_note_document_of(
            partner_id=request.user.partner.pk, credit_note_id=credit_note_id
        )
        if note is None:
            raise CreditNoteNotFound("No such credit note.")
        return credit_note_pdf_response(note)
