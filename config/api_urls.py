"""The partner API, version 1."""

from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from orders.api import views as orders
from payments.api import views as payments
from suppliers.api import views as suppliers

app_name = "api"

urlpatterns = [
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
    path("wallets", payments.WalletView.as_view(), name="wallets"),
    path("wallets/<str:currency>/ledger", payments.LedgerView.as_view(), name="ledger"),
    path("schema", SpectacularAPIView.as_view(), name="schema"),
    path("docs", SpectacularSwaggerView.as_view(url_name="api:schema"), name="docs"),
]
