from django.contrib import admin
from django.urls import include, path, re_path
from django.views import defaults

from orders import admin_tickets
from payments.providers import urls as provider_urls
from sandbox import urls as sandbox_urls
from tessera.api.errors import api_bad_request, api_not_found, api_server_error

admin.site.site_header = "Tessera back office"
admin.site.site_title = "Tessera"
admin.site.index_title = "Orders, suppliers and money"
# Tessera has no public site at "/": no "View site" link leading to a 404.
admin.site.site_url = None

urlpatterns = [
    path("admin/tickets/validate/", admin_tickets.validate_page, name="ticket-validate"),
    path("admin/tickets/validate.json", admin_tickets.validate_json, name="ticket-validate-json"),
    path("admin/", admin.site.urls),
    path("api/v1/", include("config.api_urls")),
    path("checkout/", include("checkout.urls")),
    path("i18n/", include("django.conf.urls.i18n")),  # set_language: the customer pages' switcher
    path("payments/", include((provider_urls.urlpatterns + sandbox_urls.urlpatterns, "providers"))),
    path("", include("ops.urls")),
    # Anything else under /api/ is a problem+json 404, in development (DEBUG) too.
    re_path(r"^api/", api_not_found),
]


def handler400(request, exception):
    if request.path.startswith("/api/"):
        return api_bad_request(request, exception)
    return defaults.bad_request(request, exception)


def handler404(request, exception):
    if request.path.startswith("/api/"):
        return api_not_found(request, exception)
    return defaults.page_not_found(request, exception)


def handler500(request):
    if request.path.startswith("/api/"):
        return api_server_error(request)
    return defaults.server_error(request)
