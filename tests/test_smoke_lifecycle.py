import pytest

from orders.models import Order
from payments.services import finalization
from tessera.actors import Actor
from tests import factories

pytestmark = pytest.mark.django_db(transaction=True)


def test_rail_order_reaches_fulfilled_through_the_worker(wallet_partner, worker):
    product = factories.product()
    order = factories.order(owner=wallet_partner, product_obj=product)
    worker()
    finalization.order_finalize(order_id=order.pk, method="wallet", actor=Actor.partner(wallet_partner))
    worker()
    assert Order.objects.get(pk=order.pk).status == "FULFILLED"
