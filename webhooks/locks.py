"""Row locks of webhooks: an endpoint row, taken in no transaction that holds an order's locks."""

from webhooks.errors import WebhookEndpointNotFound
from webhooks.models import WebhookEndpoint


def lock_endpoint(*, partner_id: int, endpoint_id) -> WebhookEndpoint:
    endpoint = (
        WebhookEndpoint.objects.select_for_update().filter(partner_id=partner_id, pk=endpoint_id).first()
    )
    if endpoint is None:
        raise WebhookEndpointNotFound("No such webhook endpoint.")
    return endpoint
