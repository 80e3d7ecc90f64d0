"""orders 0011 renames the events stored before the vocabulary to their types, and back."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from orders.models import OrderEvent
from tests import factories

BEFORE = [("orders", "0010_time_ordered_ids")]
AFTER = [("orders", "0011_event_types")]

pytestmark = pytest.mark.django_db(transaction=True)


def migrate(targets) -> MigrationExecutor:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor


def test_stored_events_get_their_types_and_lose_them_when_migrated_back(wallet_partner):
    order = factories.order(owner=wallet_partner, product_obj=factories.product())
    line = order.lines.get()
    try:
        # when: back to the names of before
        executor = migrate(BEFORE)
        old_apps = executor.loader.project_state(BEFORE).apps
        old_events = old_apps.get_model("orders", "OrderEvent")
        assert list(old_events.objects.filter(order_id=order.pk).values_list("transition", flat=True)) == [
            "create"
        ]
        old_events.objects.create(
            order_id=order.pk,
            subject_type="line",
            subject_id=str(line.pk),
            transition="supplier_retry",
            actor_kind="system",
            actor_label="worker",
            correlation_id="c",
        )

        # then: forward again, every name is a type
        migrate(AFTER)
    finally:
        migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())

    assert sorted(OrderEvent.objects.filter(order=order).values_list("subject_type", "transition")) == [
        ("line", "line.retry_scheduled"),
        ("order", "order.created"),
    ]
