"""Changing an order: allowed while PENDING, refused (and without effect) from PROCESSING on.

While PENDING, every change keeps ``version`` at 1 (a PENDING order is seed 002's first draft:
only a confirmed amendment makes a new version), keeps the order alive at least the default
lifetime from now (never shortening it) and leaves an audit event. ``expires_at`` itself may be
set to any aware time in the future up to six months ahead.
"""

from datetime import datetime, timedelta

import pytest
from django.conf import settings
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from orders.errors import InvalidExpiry, InvalidTravellers, OrderNotEditable, OrderNotFound
from orders.models import Order, OrderEvent
from orders.services import cancellation, editing, inputs
from payments.services import finalization
from suppliers.models import SupplierKind
from tessera import correlation
from tessera.actors import Actor
from tessera.times import iso_utc
from tests import factories

pytestmark = pytest.mark.django_db


# --- helpers ---------------------------------------------------------------------------------


def people(*names: str) -> list[inputs.TravellerInput]:
    return [inputs.TravellerInput(given_name=name, family_name="Berg") for name in names]


def snapshot(order_id) -> dict:
    """What an edit could change, read back from the database."""
    order = Order.objects.get(pk=order_id)
    return {
        "status": order.status,
        "version": order.version,
        "contact": (order.contact_name, order.contact_email, order.contact_phone),
        "external_reference": order.external_reference,
        "metadata": order.metadata,
        "expires_at": order.expires_at,
        "updated_at": order.updated_at,
        "travellers": list(
            order.travellers.order_by("position").values_list("pk", "position", "given_name", "family_name")
        ),
        "line_travellers": list(order.lines.order_by("position").values_list("traveller_id", flat=True)),
        "events": OrderEvent.objects.filter(order_id=order_id).count(),
    }


def set_expires_at(order, value) -> None:
    """Test setup: put expires_at where the test needs it."""
    Order.objects.filter(pk=order.pk).update(expires_at=value)


@pytest.fixture
def partner():
    return factories.partner(wallet="1000.00")


@pytest.fixture
def rail_order(partner):
    """A PENDING order of two rail tickets for Ada and Traveller1 (lines still RESERVING)."""
    return factories.order(owner=partner, product_obj=factories.product(kind=SupplierKind.RAIL), quantity=2)


def edit_details(order, partner):
    return editing.order_update_details(
        order_id=order.pk,
        actor=Actor.partner(partner),
        contact=inputs.ContactInput(name="Nina", email="nina@example.com", phone="+47 99"),
        external_reference="NEW-REF",
        metadata={"edited": True},
    )


def edit_travellers(order, partner):
    return editing.order_replace_travellers(
        order_id=order.pk, travellers=people("Ola", "Kari"), actor=Actor.partner(partner)
    )


def edit_expiry(order, partner):
    return editing.order_set_expiry(
        order_id=order.pk, expires_at=timezone.now() + timedelta(days=1), actor=Actor.partner(partner)
    )


EDITS = [edit_details, edit_travellers, edit_expiry]


# --- while PENDING ---------------------------------------------------------------------------


def test_update_details_changes_contact_reference_and_metadata(rail_order, partner):
    with correlation.bound("corr-edit-1"):
        editing.order_update_details(
            order_id=rail_order.pk,
            actor=Actor.partner(partner),
            contact=inputs.ContactInput(
                name="Nina Berg", email="  Nina.Berg@Example.com ", phone="+47 99 99 99 99"
            ),
            external_reference="BOOKING-42",
            metadata={"seat": "window", "loyalty": {"tier": "gold"}},
        )

    order = Order.objects.get(pk=rail_order.pk)
    assert order.contact_name == "Nina Berg"
    assert order.contact_email == "nina.berg@example.com"
    assert order.contact_phone == "+47 99 99 99 99"
    assert order.external_reference == "BOOKING-42"
    assert order.metadata == {"seat": "window", "loyalty": {"tier": "gold"}}
    assert order.version == 1
    assert order.status == "PENDING"

    event = OrderEvent.objects.filter(order=order, transition="order.details_updated").get()
    assert event.payload == {"fields": ["contact", "externalReference", "metadata"], "version": 1}
    assert event.actor_kind == "partner" and event.actor_partner_id == partner.pk
    assert event.correlation_id == "corr-edit-1"


def test_update_details_changes_only_what_is_given(rail_order, partner):
    before = snapshot(rail_order.pk)

    editing.order_update_details(
        order_id=rail_order.pk, actor=Actor.partner(partner), external_reference="ONLY-THIS"
    )

    after = snapshot(rail_order.pk)
    assert after["external_reference"] == "ONLY-THIS"
    assert after["contact"] == before["contact"]
    assert after["metadata"] == before["metadata"]
    assert after["version"] == before["version"] == 1


def test_replace_travellers_swaps_the_people_on_the_tickets(rail_order, partner):
    old = set(rail_order.travellers.values_list("pk", flat=True))

    editing.order_replace_travellers(
        order_id=rail_order.pk, travellers=people("Ola", "Kari"), actor=Actor.partner(partner)
    )

    order = Order.objects.get(pk=rail_order.pk)
    travellers = list(order.travellers.order_by("position"))
    assert [(t.position, t.given_name, t.family_name) for t in travellers] == [
        (1, "Ola", "Berg"),
        (2, "Kari", "Berg"),
    ]
    assert not old & {t.pk for t in travellers}
    assert list(order.lines.order_by("position").values_list("traveller_id", flat=True)) == [
        travellers[0].pk,
        travellers[1].pk,
    ]
    assert order.version == 1
    event = OrderEvent.objects.filter(order=order, transition="order.travellers_replaced").get()
    assert event.payload == {"travellers": 2, "version": 1}


def test_replace_travellers_with_too_few_is_refused_and_changes_nothing(rail_order, partner):
    before = snapshot(rail_order.pk)

    with pytest.raises(InvalidTravellers):
        editing.order_replace_travellers(
            order_id=rail_order.pk, travellers=people("Ola"), actor=Actor.partner(partner)
        )

    assert snapshot(rail_order.pk) == before


def test_replace_travellers_with_a_nameless_one_is_refused_and_changes_nothing(rail_order, partner):
    before = snapshot(rail_order.pk)

    with pytest.raises(InvalidTravellers):
        editing.order_replace_travellers(
            order_id=rail_order.pk,
            travellers=[*people("Ola"), inputs.TravellerInput(given_name=" ", family_name="Berg")],
            actor=Actor.partner(partner),
        )

    assert snapshot(rail_order.pk) == before


@pytest.mark.parametrize("edit", [edit_details, edit_travellers], ids=lambda f: f.__name__)
def test_an_edit_keeps_the_order_alive_for_the_default_time_from_now(rail_order, partner, edit):
    set_expires_at(rail_order, timezone.now() + timedelta(minutes=2))
    started = timezone.now()

    edit(rail_order, partner)

    assert Order.objects.get(pk=rail_order.pk).expires_at >= started + settings.ORDER_EXPIRY_DEFAULT


@pytest.mark.parametrize("edit", [edit_details, edit_travellers], ids=lambda f: f.__name__)
def test_an_edit_never_shortens_a_later_expiry(rail_order, partner, edit):
    later = (timezone.now() + timedelta(days=3)).replace(microsecond=0)
    set_expires_at(rail_order, later)

    edit(rail_order, partner)

    order = Order.objects.get(pk=rail_order.pk)
    assert order.expires_at == later
    assert order.version == 1


# --- expires_at ------------------------------------------------------------------------------


def test_set_expiry_stores_a_valid_time(rail_order, partner):
    wanted = (timezone.now() + timedelta(days=30)).replace(microsecond=0)
    previous = Order.objects.get(pk=rail_order.pk).expires_at

    editing.order_set_expiry(order_id=rail_order.pk, expires_at=wanted, actor=Actor.partner(partner))

    order = Order.objects.get(pk=rail_order.pk)
    assert order.expires_at == wanted
    assert order.version == 1
    event = OrderEvent.objects.filter(order=order, transition="order.expiry_changed").get()
    assert event.payload == {"from": iso_utc(previous), "to": iso_utc(wanted), "version": 1}


def test_set_expiry_accepts_just_under_six_months(rail_order, partner):
    wanted = timezone.now() + settings.ORDER_EXPIRY_MAX - timedelta(minutes=1)

    editing.order_set_expiry(order_id=rail_order.pk, expires_at=wanted, actor=Actor.partner(partner))

    assert Order.objects.get(pk=rail_order.pk).expires_at == wanted


@pytest.mark.parametrize(
    "expires_at",
    [
        lambda: timezone.now() - timedelta(minutes=1),
        lambda: timezone.now() + settings.ORDER_EXPIRY_MAX + timedelta(minutes=1),
        lambda: timezone.now() + timedelta(days=400),
        lambda: datetime.now() + timedelta(days=1),  # naive
    ],
    ids=["in-the-past", "just-over-six-months", "over-a-year", "naive"],
)
def test_set_expiry_refuses_invalid_times_and_changes_nothing(rail_order, partner, expires_at):
    before = snapshot(rail_order.pk)

    with pytest.raises(InvalidExpiry):
        editing.order_set_expiry(
            order_id=rail_order.pk, expires_at=expires_at(), actor=Actor.partner(partner)
        )

    assert snapshot(rail_order.pk) == before


def test_set_expiry_is_refused_on_a_canceled_order(rail_order, partner):
    cancellation.order_cancel(order_id=rail_order.pk, actor=Actor.partner(partner))
    before = snapshot(rail_order.pk)

    with pytest.raises(OrderNotEditable):
        edit_expiry(rail_order, partner)

    assert snapshot(rail_order.pk) == before


# --- partner isolation -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "edit",
    [
        lambda order, partner_id: editing.order_update_details(
            order_id=order.pk, partner_id=partner_id, actor=Actor.system("t"), external_reference="X"
        ),
        lambda order, partner_id: editing.order_replace_travellers(
            order_id=order.pk, partner_id=partner_id, actor=Actor.system("t"), travellers=people("A", "B")
        ),
        lambda order, partner_id: editing.order_set_expiry(
            order_id=order.pk,
            partner_id=partner_id,
            actor=Actor.system("t"),
            expires_at=timezone.now() + timedelta(days=1),
        ),
    ],
    ids=["update_details", "replace_travellers", "set_expiry"],
)
def test_another_partner_cannot_edit_the_order(rail_order, partner, edit):
    stranger = factories.partner()
    before = snapshot(rail_order.pk)

    with pytest.raises(OrderNotFound):
        edit(rail_order, stranger.pk)
    assert snapshot(rail_order.pk) == before

    edit(rail_order, partner.pk)  # the owner may
    assert snapshot(rail_order.pk) != before


# --- after finalize --------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_finalized_order_cannot_be_edited(worker):
    partner = factories.partner(wallet="1000.00")
    order = factories.order(owner=partner, product_obj=factories.product(kind=SupplierKind.RAIL), quantity=2)
    worker()
    finalization.order_finalize(order_id=order.pk, method="wallet", actor=Actor.partner(partner))
    assert DBTaskResult.objects.failed().count() == 0
    before = snapshot(order.pk)
    assert before["status"] == "PROCESSING"

    for edit in EDITS:
        with pytest.raises(OrderNotEditable) as refused:
            edit(order, partner)
        assert refused.value.context["status"] == "PROCESSING", edit.__name__
        assert snapshot(order.pk) == before, edit.__name__
