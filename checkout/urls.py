"""The customer's pages: checkout, return from the provider, status, receipt and tickets."""

from django.urls import path

from checkout import views

app_name = "checkout"

urlpatterns = [
    path("<str:order_key>/", views.checkout_page, name="page"),
    path("<str:order_key>/pay", views.pay, name="pay"),
    path("<str:order_key>/return", views.payment_return, name="return"),
    path("<str:order_key>/status", views.status, name="status"),
    path("<str:order_key>/tickets", views.tickets, name="tickets"),
    path("<str:order_key>/tickets.pdf", views.tickets_download, name="tickets-pdf"),
    path("<str:order_key>/codes.txt", views.codes_download, name="codes"),
    path("<str:order_key>/receipt", views.receipt, name="receipt"),
    path("<str:order_key>/receipt.pdf", views.receipt_download, name="receipt-pdf"),
]
