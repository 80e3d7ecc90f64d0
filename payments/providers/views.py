"""Provider callbacks: verified by the provider's signature, applied once, answered 200 again."""

import logging

from django.http import Http404, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from payments.errors import UnknownProviderReference
from payments.providers import get_provider
from payments.providers.base import InvalidCallback
from payments.services.gateway import provider_callback_apply
from tessera.api.problems import problem
from tessera.errors import CallbackInvalid

logger = logging.getLogger(__name__)


@csrf_exempt
@require_POST
def provider_callback(request, provider: str):
    try:
        gateway = get_provider(provider)
    except LookupError:
        raise Http404 from None
    try:
        event = gateway.parse_callback(body=request.body, headers=dict(request.headers))
    except InvalidCallback as exc:
        logger.warning("refused a %s callback: %s", provider, exc)
        return problem(CallbackInvalid(f"The callback was not applied: {exc}"))
    try:
        outcome = provider_callback_apply(provider=provider, event=event)
    except UnknownProviderReference as exc:
        return problem(exc)
    return JsonResponse({"received": True, "eventId": event.event_id, "outcome": outcome})
