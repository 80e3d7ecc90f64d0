"""Filters of the event feed and of an endpoint's deliveries, each within one partner's rows and
served by an index (webhook_event_type, webhook_event_order, webhook_delivery_list)."""

from orders.api.filters import ORDER_ID
from tessera.api.filtering import EQUALITY, OperatorFilter, OperatorFilterSet, choice
from webhooks.catalog import public_types
from webhooks.models import DeliveryState, WebhookDelivery, WebhookEvent


class EventFilters(OperatorFilterSet):
    type = OperatorFilter("type", choice(public_types()), EQUALITY, help_text="A public event type.")
    orderId = OperatorFilter("order_id", ORDER_ID, EQUALITY, help_text="The order the event is about.")

    class Meta:
        model = WebhookEvent
        fields = []


class DeliveryFilters(OperatorFilterSet):
    status = OperatorFilter(
        "state", choice(DeliveryState.values), EQUALITY, help_text="PENDING, SUCCEEDED or FAILED."
    )

    class Meta:
        model = WebhookDelivery
        fields = []
