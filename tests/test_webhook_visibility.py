"""What partners are told, and what they are not: the catalog picks up types by rule, a voucher's
event never holds its code, and the OpenAPI document has a schema per public event type."""

import pytest
from drf_spectacular.generators import SchemaGenerator

from orders.services.fulfilment import line_issue, line_reserve
from orders.vouchers import SEALED_FIELDS, voucher_secret
from payments.services import finalization
from tessera.actors import Actor
from tessera.event_types import EventType
from tests import factories
from webhooks.catalog import INTERNAL, public_name, public_types
from webhooks.models import WebhookEvent
from webhooks.schema import _component_name

pytestmark = pytest.mark.django_db(transaction=True)


def test_every_type_not_listed_internal_is_public_under_its_own_name_or_its_renaming():
    # a type added to the vocabulary later is public by the same rule, with no edit of the catalog
    for member in EventType:
        assert (public_name(member) is None) == (member in INTERNAL)
    assert public_name(EventType.ORDER_FINALIZED) == "order.processing"
    assert public_name(EventType.ORDER_ISSUANCE_FAILED) == "order.failed"
    assert len(public_types()) == len(set(public_types()))


def test_a_delivered_voucher_event_never_holds_its_code(wallet_partner):
    # given an order issued with a voucher code
    order = factories.order(owner=wallet_partner, product_obj=factories.product())
    line = order.lines.get()
    line_reserve(line_id=line.pk)
    finalization.order_finalize(order_id=order.pk, method="wallet", actor=Actor.partner(wallet_partner))
    line_issue(line_id=line.pk)
    # then voucher.delivered is in the outbox, and neither its code nor its PIN is
    event = WebhookEvent.objects.get(order=order, type="voucher.delivered")
    voucher = order.lines.get().voucher
    secrets = [found for field in SEALED_FIELDS if (found := voucher_secret(voucher, field))]
    assert secrets, "the sandbox delivered nothing secret: the test would prove nothing"
    assert not [secret for secret in secrets if secret in str(event.data)]
    assert event.data["url"].endswith("/vouchers")


def test_the_openapi_document_has_a_schema_per_public_event_type():
    spec = SchemaGenerator().get_schema(request=None, public=True)
    schemas = spec["components"]["schemas"]
    for name in public_types():
        assert schemas[_component_name(name)]["properties"]["type"]["enum"] == [name]
    assert "webhook-signature" in str(spec["x-webhooks"])
