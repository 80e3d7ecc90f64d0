from django.apps import AppConfig


class CheckoutConfig(AppConfig):
    """The customer's side: hosted checkout, the order's status page, tickets and receipt.

    Above orders and payments, since a customer's page shows both."""

    name = "checkout"
    verbose_name = "Checkout"
