"""An order's tickets as a PDF, for the partner that owns it."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema

from orders import selectors
from orders.errors import OrderNotFound, TicketsNotIssued
from orders.ticket_documents import ticket_pages, tickets_pdf_response
from payments.api.invoice_views import DocumentView
from tessera.api.base import ORDER_ID, document_errors
from tessera.api.fields import ProblemSerializer
from tessera.api.filtering import check_params
from tessera.api.problems import PROBLEM_CONTENT_TYPE


class OrderTicketsPdf(DocumentView):
    @extend_schema(
        operation_id="getOrderTicketsPdf",
        summary="The order's tickets as PDF, one page per issued ticket or voucher",
        description=(
            "Each page shows what the ticket is, for whom, when and where it is valid, the order and "
            "booking references, and a QR code with a signed payload that venues check with Tessera. "
            "Codes and PINs are not printed (read them from the vouchers endpoint). Refunded or "
            "revoked tickets have no page. Sent as PDF whatever the Accept header says; errors are "
            "problem+json."
        ),
        parameters=[ORDER_ID],
        responses={
            (200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY, description="The tickets."),
            **document_errors(),
            (409, PROBLEM_CONTENT_TYPE): OpenApiResponse(
                ProblemSerializer, description="TICKETS_NOT_ISSUED: no line is issued yet."
            ),
        },
    )
    def get(self, request, order_id):
        check_params(request.query_params, ())
        order = selectors.order_tickets_for_partner(partner_id=request.user.partner.pk, order_id=order_id)
        if order is None:
            raise OrderNotFound("No such order.")
        pages = ticket_pages(order, order.lines.all())
        if not pages:
            raise TicketsNotIssued(
                f"Order {order.reference} has no issued ticket yet (it is {order.status}).",
                status=order.status,
            )
        return tickets_pdf_response(order, pages)
