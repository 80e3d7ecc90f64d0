"""Bearer API keys: the only way into the partner API (staff sessions do not reach it)."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from orders.services.api_keys import api_key_authenticate
from tessera import log_context
from tessera.api.principal import PartnerPrincipal


class ApiKeyAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).decode("latin-1")
        if not header:
            return None
        scheme, _, raw_key = header.partition(" ")
        if scheme.lower() != self.keyword.lower() or not raw_key.strip():
            raise exceptions.AuthenticationFailed("Send Authorization: Bearer <api key>.")
        key = api_key_authenticate(raw_key.strip())
        if key is None:
            raise exceptions.AuthenticationFailed("This API key is not valid or has been revoked.")
        log_context.bind(partner=key.partner.slug)
        return PartnerPrincipal(partner=key.partner, api_key=key), key

    def authenticate_header(self, request) -> str:
        return f'{self.keyword} realm="tessera"'


class ApiKeyScheme(OpenApiAuthenticationExtension):
    """Documents the API key as an HTTP bearer scheme in the OpenAPI schema."""

    target_class = ApiKeyAuthentication
    name = "apiKey"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer", "bearerFormat": "tsk_<prefix>_<secret>"}
