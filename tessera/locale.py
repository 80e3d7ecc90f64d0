"""The language of a request: the customer's pages follow the browser, everything else is English.

Customers read checkout, the sandbox bank, status, tickets and receipts in the language their
browser asks for (Accept-Language) or the one they chose with the pages' switcher (Django's
``set_language`` view and its cookie). The back office and the partner API keep LANGUAGE_CODE:
staff share one vocabulary, and partners parse the API's words.
"""

from django.conf import settings
from django.middleware.locale import LocaleMiddleware
from django.utils import translation

CUSTOMER_PATHS = ("/checkout/", "/payments/sandbox-bank/", "/i18n/")


def is_customer_path(path: str) -> bool:
    return path.startswith(CUSTOMER_PATHS)


class CustomerLocaleMiddleware(LocaleMiddleware):
    def process_request(self, request) -> None:
        if is_customer_path(request.path_info):
            super().process_request(request)
        else:
            translation.activate(settings.LANGUAGE_CODE)
            request.LANGUAGE_CODE = settings.LANGUAGE_CODE

    def process_response(self, request, response):
        if is_customer_path(request.path_info):
            return super().process_response(request, response)
        return response
