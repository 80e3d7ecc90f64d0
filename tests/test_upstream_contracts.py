"""The few private behaviours of Django, DRF and django-fsm-2 that Tessera relies on, each used in
one named helper: if an upgrade changes one, this fails instead of production.

* tessera/prefetched.py keeps rows on an instance the way ``prefetch_related`` stores them;
* tessera/api/rendering.py reuses one serializer instance per class for every request;
* tessera/admin_transitions.py overrides FSMAdminMixin's private transition hooks;
* orders/events.py's ``apply_transition_before_insert`` runs django-fsm-2 transitions on a row
  not inserted yet, relying on a transition changing the instance in memory only.
"""

import inspect

import pytest
from django.db import connection
from django.db.models import prefetch_related_objects
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_fsm.admin import FSMAdminMixin
from rest_framework import serializers

from orders.models import Order
from payments.models import Payment
from tessera.api.rendering import render, render_many, shared
from tessera.prefetched import hold_prefetched, holds_prefetched
from tests import factories

# --- Django's prefetch cache (tessera/prefetched.py) ----------------------------------------------


@pytest.mark.django_db
def test_django_still_stores_a_prefetch_where_hold_prefetched_puts_rows():
    order = factories.order(owner=factories.partner(), product_obj=factories.product())

    prefetched = Order.objects.prefetch_related("lines").get(pk=order.pk)

    queryset = prefetched._prefetched_objects_cache["lines"]
    assert queryset._prefetch_done is True
    assert isinstance(queryset._result_cache, list)
    assert holds_prefetched(prefetched, ["lines"])


@pytest.mark.django_db
def test_held_rows_answer_all_and_prefetch_related_objects_without_a_query():
    order = factories.order(owner=factories.partner(), product_obj=factories.product())
    lines = list(order.lines.all())
    fresh = Order.objects.get(pk=order.pk)
    assert not holds_prefetched(fresh, ["lines"])

    hold_prefetched(fresh, "lines", lines)
    with CaptureQueriesContext(connection) as queries:
        answered = list(fresh.lines.all())
        prefetch_related_objects([fresh], "lines")

    assert answered == lines
    assert len(queries) == 0
    assert holds_prefetched(fresh, ["lines"])


# --- DRF serializers reused (tessera/api/rendering.py) ---------------------------------------------


class _ItemOut(serializers.Serializer):
    name = serializers.CharField()
    count = serializers.IntegerField()


class _BasketOut(serializers.Serializer):
    owner = serializers.CharField()
    items = _ItemOut(many=True)


class _BasketIn(serializers.Serializer):
    owner = serializers.CharField(max_length=10)
    items = _ItemOut(many=True)


def _basket(owner: str, *counts: int) -> dict:
    return {"owner": owner, "items": [{"name": f"item {n}", "count": n} for n in counts]}


def test_a_shared_serializer_renders_as_a_new_one_and_keeps_nothing():
    first, second = _basket("ann", 1, 2), _basket("bob", 3)

    assert render(_BasketOut, first) == _BasketOut(first).data
    assert render(_BasketOut, second) == _BasketOut(second).data
    assert render_many(_BasketOut, [first, second]) == _BasketOut([first, second], many=True).data
    reused = shared(_BasketOut)
    assert reused.instance is None
    assert not hasattr(reused, "_data")
    assert not hasattr(reused, "initial_data")


def test_a_shared_input_serializer_validates_with_run_validation_and_keeps_nothing():
    reused = shared(_BasketIn)

    assert reused.run_validation(_basket("ann", 1)) == {
        "owner": "ann",
        "items": [{"name": "item 1", "count": 1}],
    }
    with pytest.raises(serializers.ValidationError):
        reused.run_validation({"owner": "a name far too long", "items": []})
    assert reused.run_validation(_basket("bob", 2))["owner"] == "bob"
    assert not hasattr(reused, "_validated_data")
    assert not hasattr(reused, "_errors")
    assert not hasattr(reused, "initial_data")


# --- django-fsm-2's FSMAdminMixin (tessera/admin_transitions.py) -----------------------------------


def _keyword_only(function) -> list[str]:
    parameters = inspect.signature(function).parameters.values()
    return [p.name for p in parameters if p.kind is inspect.Parameter.KEYWORD_ONLY]


def test_fsm_admin_applies_a_transition_through_the_hook_tessera_overrides():
    assert _keyword_only(FSMAdminMixin._apply_fsm_transition) == [
        "obj",
        "transition_name",
        "request",
        "kwargs",
    ]
    assert "self._apply_fsm_transition(" in inspect.getsource(FSMAdminMixin.fsm_transition_view)
    assert "self._apply_fsm_transition(" in inspect.getsource(FSMAdminMixin.response_change)


def test_fsm_admin_still_finds_transitions_where_tessera_reads_them():
    assert _keyword_only(FSMAdminMixin._get_fsm_extra_context) == ["request", "obj"]
    change_view = inspect.getsource(FSMAdminMixin.change_view)
    assert "self._get_fsm_extra_context(" in change_view
    assert "super().change_view(" in change_view


# --- django-fsm-2's transitions before the row exists (orders.events.apply_transition_before_insert) ----


@pytest.mark.django_db
def test_a_transition_changes_a_row_not_inserted_yet_in_memory_only():
    order = factories.order(owner=factories.partner(), product_obj=factories.product())
    payment = Payment(
        order=order,
        method="wallet",
        amount=order.total_amount,
        currency=order.currency,
        provider="wallet",
        idempotency_key="contract",
    )

    with CaptureQueriesContext(connection) as queries:
        payment.start()
        payment.capture(at=timezone.now())

    assert len(queries) == 0
    assert payment.status == "PAID"
    assert not Payment.objects.filter(pk=payment.pk).exists()
    payment.save(force_insert=True)
    assert Payment.objects.get(pk=payment.pk).status == "PAID"
