"""One audit vocabulary: every event type is in tessera.event_types, every transition names one,
and the database refuses a type outside it."""

import pytest
from django.db import IntegrityError, transaction

from orders.events import record
from orders.models import OrderEvent
from tessera.actors import Actor
from tessera.event_types import NOT_IN_ORDER_TRAILS, EventType, models_with_lifecycles, transition_events
from tests import factories

LIFECYCLES = {
    "orders.Order",
    "orders.OrderLine",
    "orders.Voucher",
    "payments.Payment",
    "payments.Refund",
    "payments.Invoice",
    "suppliers.InventoryCode",
}


def test_the_models_with_a_lifecycle_are_found():
    assert {model._meta.label for model in models_with_lifecycles()} >= LIFECYCLES


@pytest.mark.parametrize("model", models_with_lifecycles(), ids=lambda model: model._meta.label)
def test_every_transition_names_an_event_type_of_its_own_subject(model):
    """A new @transition without custom={"event": ...} fails here (and in apply_transition)."""
    field = model._meta.get_field("status")
    for transition in field.get_all_transitions(model):
        assert "event" in transition.custom, f"{model._meta.label}.{transition.name} names no event type"
        event = EventType(transition.custom["event"])
        assert transition_events(model)[transition.name] == event
    subjects = {event.subject for event in transition_events(model).values()}
    assert len(subjects) == 1, f"{model._meta.label}'s transitions name events of {subjects}"


def test_no_two_transitions_share_an_event_type():
    named = [event for model in models_with_lifecycles() for event in transition_events(model).values()]

    assert len(named) == len(set(named))


def test_every_type_is_a_subject_and_a_snake_case_happening():
    for event in EventType:
        subject, _, happened = event.value.partition(".")
        assert subject and happened and (subject + happened).replace("_", "").isalpha(), event.value
        assert event.value == event.value.lower()
        assert event.label and event.label[0].isupper(), event.value


def test_the_types_no_order_trail_holds_are_in_the_vocabulary():
    assert NOT_IN_ORDER_TRAILS <= set(EventType)


@pytest.mark.django_db
def test_an_event_takes_its_subject_type_from_its_type(wallet_partner):
    order = factories.order(owner=wallet_partner, product_obj=factories.product())

    event = record(
        order_id=order.pk, subject_id=order.pk, event=EventType.ORDER_CREATED, actor=Actor.system("t")
    )

    assert (event.subject_type, event.transition) == ("order", "order.created")
    assert event.get_transition_display() == "Order created"


@pytest.mark.django_db
def test_recording_an_unknown_type_is_refused_before_the_database(wallet_partner):
    order = factories.order(owner=wallet_partner, product_obj=factories.product())

    with pytest.raises(ValueError):
        record(order_id=order.pk, subject_id=order.pk, event="order.painted", actor=Actor.system("t"))


@pytest.mark.django_db
def test_the_database_refuses_an_unknown_event_type(wallet_partner):
    order = factories.order(owner=wallet_partner, product_obj=factories.product())
    known = OrderEvent.objects.filter(order=order).first()

    with pytest.raises(IntegrityError), transaction.atomic():
        OrderEvent.objects.filter(pk=known.pk).update(transition="finalize")
    with pytest.raises(IntegrityError), transaction.atomic():
        OrderEvent.objects.create(
            order=order,
            subject_type="order",
            subject_id=str(order.pk),
            transition="order.painted",
            actor_label="t",
        )
