"""Errors of webhooks and the event feed."""

from tessera.errors import InvalidInput, NotFound


class WebhookEndpointNotFound(NotFound):
    code = "WEBHOOK_ENDPOINT_NOT_FOUND"
    title = "Webhook endpoint not found"
    suggested_action = "Check the endpoint id (GET /api/v1/webhook-endpoints). Other partners' are not found."


class WebhookDeliveryNotFound(NotFound):
    code = "WEBHOOK_DELIVERY_NOT_FOUND"
    title = "Webhook delivery not found"
    suggested_action = "Check the delivery id (GET /api/v1/webhook-endpoints/{id}/deliveries)."


class EventNotFound(NotFound):
    code = "EVENT_NOT_FOUND"
    title = "Event not found"
    suggested_action = (
        "Give after= an event id of yours (evt_...) from the last 30 days, or leave it out to start "
        "from the oldest event kept."
    )


class UnsafeWebhookUrl(InvalidInput):
    code = "WEBHOOK_URL_REFUSED"
    title = "Webhooks cannot be sent to this URL"
    suggested_action = (
        "Give an https URL whose host resolves only to public addresses; loopback, private and "
        "link-local addresses are refused."
    )
