"""The partner API, version 1."""

from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from checkout.api import views as checkouts
from orders.api import partner_views
from orders.api import voucher_views as order_vouchers
from partner_api import order_views as orders
from partner_api import ticket_views as order_tickets
from payments.api import invoice_views as invoices
from payments.api import refund_views as refunds
from payments.api import views as payments
from suppliers.api import views as suppliers
from webhooks.api import views as webhooks

app_name = "api"

urlpatterns = [
    path("partner", partner_views.PartnerSettings.as_view(), name="partner"),
    path("products", suppliers.ProductCollection.as_view(), name="products"),
    path("products/<int:product_id>", suppliers.ProductItem.as_view(), name="product"),
    path("offers", suppliers.OfferCollection.as_view(), name="offers"),
    path("offers/<uuid:offer_id>", suppliers.OfferItem.as_view(), name="offer"),
    path("orders", orders.OrderCollection.as_view(), name="orders"),
    path("orders/<uuid:order_id>", orders.OrderItem.as_view(), name="order"),
    path("orders/<uuid:order_id>/travellers", orders.OrderTravellers.as_view(), name="order-travellers"),
    path("orders/<uuid:order_id>/finalize", orders.OrderFinalize.as_view(), name="order-finalize"),
    path("orders/<uuid:order_id>/cancel", orders.OrderCancel.as_view(), name="order-cancel"),
    path("orders/<uuid:order_id>/events", orders.OrderEvents.as_view(), name="order-events"),
    path("orders/<uuid:order_id>/versions", orders.OrderVersions.as_view(), name="order-versions"),
    path("orders/<uuid:order_id>/unlock", orders.OrderUnlock.as_view(), name="order-unlock"),
    path("orders/<uuid:order_id>/amendments", orders.OrderAmendments.as_view(), name="order-amendments"),
    path(
        "orders/<uuid:order_id>/amendments/<int:number>",
        orders.OrderAmendment.as_view(),
        name="order-amendment",
    ),
    path(
        "orders/<uuid:order_id>/amendments/<int:number>/confirm",
        orders.OrderAmendmentConfirm.as_view(),
        name="order-amendment-confirm",
    ),
    path(
        "orders/<uuid:order_id>/amendments/<int:number>/fail",
        orders.OrderAmendmentFail.as_view(),
        name="order-amendment-fail",
    ),
    path(
        "orders/<uuid:order_id>/amendments/<int:number>/reset",
        orders.OrderAmendmentReset.as_view(),
        name="order-amendment-reset",
    ),
    path("orders/<uuid:order_id>/tickets.pdf", order_tickets.OrderTicketsPdf.as_view(), name="order-tickets"),
    path("orders/<uuid:order_id>/vouchers", order_vouchers.OrderVouchers.as_view(), name="order-vouchers"),
    path("orders/<uuid:order_id>/checkout", checkouts.OrderCheckout.as_view(), name="order-checkout"),
    path("orders/<uuid:order_id>/refunds", refunds.OrderRefunds.as_view(), name="order-refunds"),
    path("refunds/<uuid:refund_id>", refunds.RefundItem.as_view(), name="refund"),
    path("wallets", payments.WalletView.as_view(), name="wallets"),
    path("wallets/<str:currency>/ledger", payments.LedgerView.as_view(), name="ledger"),
    path("invoices", invoices.InvoiceCollection.as_view(), name="invoices"),
    path("invoices/<int:invoice_id>", invoices.InvoiceDetail.as_view(), name="invoice"),
    path("invoices/<int:invoice_id>/pdf", invoices.InvoicePdf.as_view(), name="invoice-pdf"),
    path("invoices/<int:invoice_id>/csv", invoices.InvoiceCsv.as_view(), name="invoice-csv"),
    path("credit-notes", invoices.CreditNoteCollection.as_view(), name="credit-notes"),
    path("credit-notes/<int:credit_note_id>/pdf", invoices.CreditNotePdf.as_view(), name="credit-note-pdf"),
    path("events", webhooks.EventFeed.as_view(), name="events"),
    path("webhook-endpoints", webhooks.EndpointCollection.as_view(), name="webhook-endpoints"),
    path(
        "webhook-endpoints/<uuid:webhook_endpoint_id>/deliveries",
        webhooks.EndpointDeliveries.as_view(),
        name="webhook-deliveries",
    ),
    path(
        "webhook-endpoints/<uuid:webhook_endpoint_id>/deliveries/<int:webhook_delivery_id>/redeliver",
        webhooks.DeliveryRedeliver.as_view(),
        name="webhook-delivery-redeliver",
    ),
    path(
        "webhook-endpoints/<uuid:webhook_endpoint_id>/redeliver",
        webhooks.EndpointRedeliver.as_view(),
        name="webhook-endpoint-redeliver",
    ),
    path(
        "webhook-endpoints/<uuid:webhook_endpoint_id>/rotate-secret",
        webhooks.EndpointRotateSecret.as_view(),
        name="webhook-endpoint-rotate-secret",
    ),
    path(
        "webhook-endpoints/<uuid:webhook_endpoint_id>/test",
        webhooks.EndpointTest.as_view(),
        name="webhook-endpoint-test",
    ),
    path(
        "webhook-endpoints/<uuid:webhook_endpoint_id>/disable",
        webhooks.EndpointDisable.as_view(),
        name="webhook-endpoint-disable",
    ),
    path(
        "webhook-endpoints/<uuid:webhook_endpoint_id>/enable",
        webhooks.EndpointEnable.as_view(),
        name="webhook-endpoint-enable",
    ),
    # Last of the endpoint's routes: the cross-partner sweep deletes the owner's endpoint here.
    path(
        "webhook-endpoints/<uuid:webhook_endpoint_id>",
        webhooks.EndpointItem.as_view(),
        name="webhook-endpoint",
    ),
    path("schema", SpectacularAPIView.as_view(), name="schema"),
    path("docs", SpectacularSwaggerView.as_view(url_name="api:schema"), name="docs"),
]
