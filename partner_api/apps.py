from django.apps import AppConfig


class PartnerApiConfig(AppConfig):
    """The partner API's order endpoints and its OpenAPI document.

    An order's answer shows its payments, refunds and checkout links, so these views sit above
    orders, payments and checkout; each app's own endpoints stay in its ``api/`` package."""

    name = "partner_api"
    verbose_name = "Partner API"
