"""The webhooks in the OpenAPI document (3.0, which has no ``webhooks`` section): one component
schema per event type, each the envelope with its ``type`` and an example ``data``, and an
``x-webhooks`` entry describing the signed POST a partner's endpoint receives. The schemas are
made from the catalog (webhooks.catalog), so a new event type appears with no edit here."""

from tessera.event_types import EventType
from webhooks.catalog import public_name
from webhooks.docs import example_data

HEADERS = {
    "webhook-id": "The event's id (evt_...); the same on every retry: deduplicate on it.",
    "webhook-timestamp": "Seconds since 1970 when this attempt was signed.",
    "webhook-signature": "Space-separated v1,<base64 HMAC-SHA256> signatures, one per live secret.",
}


def _component_name(event_type: str) -> str:
    words = event_type.replace(".", "_").split("_")
    return "".join(word.capitalize() for word in words) + "Event"


def _envelope(event_type: str, data_example: dict) -> dict:
    return {
        "type": "object",
        "description": f"The body of a `{event_type}` webhook, and of that event in GET /api/v1/events.",
        "required": ["id", "type", "createdAt", "apiVersion", "data"],
        "properties": {
            "id": {"type": "string", "pattern": "^evt_[0-9a-f]{32}$"},
            "type": {"type": "string", "enum": [event_type]},
            "createdAt": {"type": "string", "format": "date-time"},
            "apiVersion": {"type": "string"},
            "data": {
                "type": "object",
                "description": "The object (object, id, orderId), its status then, and its url.",
                "additionalProperties": True,
                "example": data_example,
            },
        },
    }


def describe_webhooks(result, generator, request, public):
    """drf-spectacular postprocessing hook."""
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    with_secret = schemas.get("EndpointWithSecretOut")
    if with_secret:  # a replay of the same Idempotency-Key answers without the secret
        with_secret["required"] = [name for name in with_secret.get("required", []) if name != "secret"]
    names = []
    for member in EventType:
        name = public_name(member)
        if name is None:
            continue
        component = _component_name(name)
        schemas[component] = _envelope(name, example_data(member))
        names.append(component)
    result["x-webhooks"] = {
        "event": {
            "post": {
                "summary": "An event, POSTed to each of your webhook endpoints that takes its type",
                "description": "Signed as Standard Webhooks says (docs/api.md, Webhooks). Answer 2xx within "
                "15 s; anything else is retried for about 75 hours.",
                "parameters": [
                    {
                        "name": name,
                        "in": "header",
                        "required": True,
                        "description": text,
                        "schema": {"type": "string"},
                    }
                    for name, text in HEADERS.items()
                ],
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": {"oneOf": [{"$ref": f"#/components/schemas/{name}"} for name in names]}
                        }
                    },
                },
                "responses": {"2XX": {"description": "Taken; not sent again."}},
            }
        }
    }
    return result
