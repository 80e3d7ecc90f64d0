"""Endpoint signing secrets: made, sealed at rest (tessera.sealing, binding ``webhook_endpoint``),
and opened to sign. A secret reads ``whsec_<base64 of 32 random bytes>``, the form the
standardwebhooks library takes; it is shown to the partner once, when made."""

import base64
import secrets

from django.utils import timezone

from tessera import sealing
from webhooks.models import WebhookEndpoint

BINDING = "webhook_endpoint"
PREFIX = "whsec_"


def new_secret() -> str:
    return PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


def seal_secret(endpoint: WebhookEndpoint, secret: str) -> None:
    """Seal ``secret`` as the endpoint's current one (the row's pk is set); the caller saves."""
    endpoint.key_id = sealing.current_key_id()
    sealing.row_seal(endpoint, "secret", secret, binding=BINDING, key_id=endpoint.key_id)


def rotate(endpoint: WebhookEndpoint, secret: str, *, grace) -> None:
    """Make ``secret`` current; the one it replaces keeps signing until ``now + grace``."""
    previous = sealing.row_unseal(endpoint, "secret", binding=BINDING)
    endpoint.key_id = sealing.current_key_id()
    sealing.row_seal(endpoint, "secret", secret, binding=BINDING, key_id=endpoint.key_id)
    sealing.row_seal(endpoint, "previous_secret", previous, binding=BINDING, key_id=endpoint.key_id)
    endpoint.previous_secret_expires_at = timezone.now() + grace


def live_secrets(endpoint: WebhookEndpoint) -> list[str]:
    """The secrets that sign now: the current one, and the previous one during its grace."""
    found = [sealing.row_unseal(endpoint, "secret", binding=BINDING)]
    expires = endpoint.previous_secret_expires_at
    if endpoint.previous_secret_sealed and expires is not None and expires > timezone.now():
        found.append(sealing.row_unseal(endpoint, "previous_secret", binding=BINDING))
    return [secret for secret in found if secret]
