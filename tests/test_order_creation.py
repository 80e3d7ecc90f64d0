"""Creating an order from offers, and quoting the offers it is made of.

An accepted order is PENDING with RESERVING lines and a reservation task per line queued only
once the transaction commits. A refused order changes nothing: no order, line, traveller or
event, no offer marked used and no task queued.
"""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.conf import settings
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from orders.errors import CurrencyMismatch, InvalidTravellers
from orders.models import Order, OrderEvent, OrderLine, Traveller
from orders.services import creation as orders_creation
from orders.services import inputs
from suppliers.errors import (
    InvalidDenomination,
    InvalidQuantity,
    OfferAlreadyUsed,
    OfferExpired,
    OfferNotFound,
)
from suppliers.models import Offer, SupplierKind
from suppliers.services import offer_quote
from tessera import correlation
from tessera.actors import Actor
from tessera.errors import InvalidInput
from tests import factories

pytestmark = pytest.mark.django_db

RESERVE_TASK = "orders.tasks.reserve_line"


# --- helpers ---------------------------------------------------------------------------------


def quote(partner, product, quantity=1, denomination=None) -> Offer:
    return offer_quote(partner=partner, product_id=product.pk, quantity=quantity, denomination=denomination)


def people(*names: str) -> list[inputs.TravellerInput]:
    return [inputs.TravellerInput(given_name=name, family_name="Hansen") for name in names]


def create(partner, offers, travellers=(), **kwargs) -> Order:
    return orders_creation.order_create(
        partner=partner,
        offer_ids=[offer.pk for offer in offers],
        travellers=travellers,
        actor=Actor.partner(partner),
        **kwargs,
    )


def world() -> dict:
    """Everything an order creation could write."""
    return {
        "orders": Order.objects.count(),
        "lines": OrderLine.objects.count(),
        "travellers": Traveller.objects.count(),
        "events": OrderEvent.objects.count(),
        "tasks": DBTaskResult.objects.count(),
        "used_offers": sorted(
            str(pk) for pk in Offer.objects.filter(used_at__isnull=False).values_list("pk", flat=True)
        ),
    }


def assert_refused(capture, error, call):
    """``call`` raises ``error``, writes nothing, and leaves nothing to run after commit."""
    before = world()
    with capture(execute=True) as callbacks, pytest.raises(error) as raised:
        call()
    assert callbacks == []
    assert world() == before
    return raised.value


@pytest.fixture
def partner():
    return factories.partner(wallet="1000.00")


# --- creating --------------------------------------------------------------------------------


def test_order_from_several_offers_is_pending_with_one_reserving_line_per_unit(
    partner, django_capture_on_commit_callbacks
):
    rail = factories.product(kind=SupplierKind.RAIL, price="100.00")
    air = factories.product(kind=SupplierKind.AIR, price="249.90")
    voucher = factories.product(kind=SupplierKind.VOUCHER, denominations=["25.00", "50.00"])
    offers = [quote(partner, rail, 2), quote(partner, air, 1), quote(partner, voucher, 1, "50.00")]

    with django_capture_on_commit_callbacks():
        order = create(
            partner,
            offers,
            travellers=people("Ada", "Bo"),
            contact=inputs.ContactInput(
                name="Kari", email="  Kari.Nordmann@Example.COM ", phone="+4712345678"
            ),
            external_reference="PARTNER-REF-7",
            metadata={"basket": "B-1", "tags": ["a", "b"], "nested": {"n": 1}},
            client_name="travel-app",
        )

    order = Order.objects.get(pk=order.pk)
    assert order.status == "PENDING"
    assert order.partner_id == partner.pk
    assert order.currency == "EUR"
    assert order.total_amount == Decimal("499.90")  # 2 × 100.00 + 249.90 + 50.00
    assert order.total_amount == sum(offer.total_amount for offer in offers)
    assert order.contact_name == "Kari"
    assert order.contact_email == "kari.nordmann@example.com"
    assert order.contact_phone == "+4712345678"
    assert order.external_reference == "PARTNER-REF-7"
    assert order.metadata == {"basket": "B-1", "tags": ["a", "b"], "nested": {"n": 1}}
    assert order.client_name == "travel-app"
    assert order.version == 1
    assert order.payment_method == ""
    assert order.finalized_at is None

    lines = list(order.lines.select_related("traveller", "offer").order_by("position"))
    assert [line.position for line in lines] == [1, 2, 3, 4]
    assert {line.status for line in lines} == {"RESERVING"}
    assert [line.amount for line in lines] == [
        Decimal("100.00"),
        Decimal("100.00"),
        Decimal("249.90"),
        Decimal("50.00"),
    ]
    assert [line.offer_id for line in lines] == [offers[0].pk, offers[0].pk, offers[1].pk, offers[2].pk]
    assert [line.product_id for line in lines] == [rail.pk, rail.pk, air.pk, voucher.pk]
    assert {line.currency for line in lines} == {"EUR"}
    assert lines[3].denomination == Decimal("50.00")
    assert lines[0].denomination is None

    travellers = list(order.travellers.order_by("position"))
    assert [(t.position, t.given_name) for t in travellers] == [(1, "Ada"), (2, "Bo")]
    # each rail/air offer's units take the travellers in order; vouchers need none
    assert [line.traveller_id for line in lines] == [
        travellers[0].pk,
        travellers[1].pk,
        travellers[0].pk,
        None,
    ]


def test_order_expires_the_default_time_after_creation(partner):
    product = factories.product(kind=SupplierKind.EVENT)
    before = timezone.now()
    order = create(partner, [quote(partner, product)])
    after = timezone.now()

    stored = Order.objects.get(pk=order.pk).expires_at
    lifetime = settings.ORDER_EXPIRY_DEFAULT  # 20 minutes unless ORDER_EXPIRY_MINUTES says otherwise
    assert before + lifetime <= stored <= after + lifetime


def test_creating_marks_every_offer_used(partner):
    rail = factories.product(kind=SupplierKind.RAIL)
    event = factories.product(kind=SupplierKind.EVENT)
    offers = [quote(partner, rail), quote(partner, event)]
    before = timezone.now()

    create(partner, offers, travellers=people("Ada"))

    for offer in offers:
        offer.refresh_from_db()
        assert offer.used_at is not None and offer.used_at >= before


def test_creating_writes_one_create_event_with_actor_and_correlation_id(partner):
    product = factories.product(kind=SupplierKind.RAIL)
    offer = quote(partner, product, 2)

    with correlation.bound("corr-create-2"):
        order = create(partner, [offer], travellers=people("Ada", "Bo"))

    events = list(OrderEvent.objects.filter(order=order))
    assert len(events) == 1
    event = events[0]
    assert event.transition == "order.created"
    assert event.subject_type == "order"
    assert event.subject_id == str(order.pk)
    assert event.to_status == "PENDING"
    assert event.actor_kind == "partner"
    assert event.actor_label == partner.name
    assert event.actor_partner_id == partner.pk
    assert event.correlation_id == "corr-create-2"
    assert event.payload["lines"] == 2
    assert event.payload["travellers"] == 2
    assert event.payload["totalAmount"] == "200.00"
    assert event.payload["offers"] == [str(offer.pk)]


def test_reservation_is_queued_only_after_commit_as_one_booking_task_for_all_lines(
    partner, django_capture_on_commit_callbacks
):
    product = factories.product(kind=SupplierKind.RAIL)
    offer = quote(partner, product, 3)

    with correlation.bound("corr-create-3"):
        with django_capture_on_commit_callbacks() as callbacks:
            order = create(partner, [offer], travellers=people("Ada", "Bo", "Cy"))
        # the transaction has not committed yet: nothing is queued
        assert DBTaskResult.objects.count() == 0
    assert len(callbacks) >= 1
    for callback in callbacks:
        callback()

    # the request wrote one task row whatever the number of lines: the order's booking
    booking = DBTaskResult.objects.get()
    assert booking.task_path == "orders.tasks.reserve_booking"
    kwargs = booking.args_kwargs["kwargs"]
    assert sorted(kwargs["line_ids"]) == sorted(order.lines.values_list("pk", flat=True))
    assert (kwargs["correlation_id"], kwargs["attempt"]) == ("corr-create-3", 1)

    # which the worker runs as one booking of the three lines
    assert booking.task.call(**kwargs) == "reserved"
    assert set(order.lines.values_list("status", flat=True)) == {"RESERVED"}


def test_order_without_travellers_is_fine_for_vouchers_and_events(partner):
    voucher = factories.product(kind=SupplierKind.VOUCHER, denominations=["25.00"])
    event = factories.product(kind=SupplierKind.EVENT, price="30.00")

    order = create(partner, [quote(partner, voucher, 2, "25.00"), quote(partner, event, 1)])

    assert order.travellers.count() == 0
    assert list(order.lines.values_list("traveller_id", flat=True)) == [None, None, None]
    assert order.total_amount == Decimal("80.00")


# --- refusals that change nothing ------------------------------------------------------------


def test_offer_of_another_partner_is_not_found_and_nothing_changes(
    partner, django_capture_on_commit_callbacks
):
    product = factories.product(kind=SupplierKind.EVENT)
    mine = quote(partner, product)
    theirs = quote(factories.partner(), product)

    error = assert_refused(
        django_capture_on_commit_callbacks, OfferNotFound, lambda: create(partner, [mine, theirs])
    )

    assert error.context["offers"] == [str(theirs.pk)]
    assert Offer.objects.get(pk=mine.pk).used_at is None
    assert Offer.objects.get(pk=theirs.pk).used_at is None


def test_expired_offer_is_refused_and_nothing_changes(partner, django_capture_on_commit_callbacks):
    product = factories.product(kind=SupplierKind.EVENT)
    fresh = quote(partner, product)
    stale = quote(partner, product)
    Offer.objects.filter(pk=stale.pk).update(expires_at=timezone.now() - timedelta(seconds=1))

    error = assert_refused(
        django_capture_on_commit_callbacks, OfferExpired, lambda: create(partner, [fresh, stale])
    )

    assert error.context["offer"] == str(stale.pk)


def test_offer_of_a_product_no_longer_sold_is_refused(partner, django_capture_on_commit_callbacks):
    product = factories.product(kind=SupplierKind.EVENT)
    offer = quote(partner, product)
    product.is_active = False
    product.save()

    assert_refused(django_capture_on_commit_callbacks, OfferExpired, lambda: create(partner, [offer]))


def test_offer_already_used_is_refused_and_nothing_changes(partner, django_capture_on_commit_callbacks):
    product = factories.product(kind=SupplierKind.EVENT)
    used = quote(partner, product)
    first = create(partner, [used])
    fresh = quote(partner, product)

    error = assert_refused(
        django_capture_on_commit_callbacks, OfferAlreadyUsed, lambda: create(partner, [fresh, used])
    )

    assert error.context["offer"] == str(used.pk)
    assert Offer.objects.get(pk=fresh.pk).used_at is None
    assert list(Order.objects.values_list("pk", flat=True)) == [first.pk]


def test_offers_in_different_currencies_are_refused(partner, django_capture_on_commit_callbacks):
    euros = factories.product(kind=SupplierKind.EVENT, currency="EUR")
    kroner = factories.product(kind=SupplierKind.EVENT, currency="NOK")

    error = assert_refused(
        django_capture_on_commit_callbacks,
        CurrencyMismatch,
        lambda: create(partner, [quote(partner, euros), quote(partner, kroner)]),
    )

    assert error.context["currencies"] == ["EUR", "NOK"]


@pytest.mark.parametrize("kind", [SupplierKind.RAIL, SupplierKind.AIR])
def test_too_few_travellers_for_tickets_is_refused(partner, kind, django_capture_on_commit_callbacks):
    product = factories.product(kind=kind)
    offer = quote(partner, product, 2)

    error = assert_refused(
        django_capture_on_commit_callbacks,
        InvalidTravellers,
        lambda: create(partner, [offer], travellers=people("Ada")),
    )

    assert error.context == {"needed": 2, "given": 1}
    assert Offer.objects.get(pk=offer.pk).used_at is None


@pytest.mark.parametrize(
    "traveller",
    [
        inputs.TravellerInput(given_name="", family_name="Hansen"),
        inputs.TravellerInput(given_name="Ada", family_name="   "),
    ],
    ids=["no-given-name", "blank-family-name"],
)
def test_traveller_without_a_name_is_refused(partner, traveller, django_capture_on_commit_callbacks):
    product = factories.product(kind=SupplierKind.RAIL)
    offer = quote(partner, product, 2)

    error = assert_refused(
        django_capture_on_commit_callbacks,
        InvalidTravellers,
        lambda: create(partner, [offer], travellers=[*people("Bo"), traveller]),
    )

    assert list(error.context["errors"]) == ["1"]
    assert Offer.objects.get(pk=offer.pk).used_at is None


def test_empty_offer_list_is_refused(partner, django_capture_on_commit_callbacks):
    error = assert_refused(django_capture_on_commit_callbacks, InvalidInput, lambda: create(partner, []))
    assert error.code == "VALIDATION_FAILED"


def test_the_same_offer_twice_is_refused(partner, django_capture_on_commit_callbacks):
    product = factories.product(kind=SupplierKind.EVENT)
    offer = quote(partner, product)

    error = assert_refused(
        django_capture_on_commit_callbacks, InvalidInput, lambda: create(partner, [offer, offer])
    )

    assert error.code == "VALIDATION_FAILED"
    assert Offer.objects.get(pk=offer.pk).used_at is None


# --- quoting ---------------------------------------------------------------------------------


def test_voucher_is_quoted_at_the_chosen_denomination(partner):
    voucher = factories.product(kind=SupplierKind.VOUCHER, denominations=["25.00", "50.00"])

    offer = quote(partner, voucher, 3, "50")

    assert offer.unit_price == Decimal("50.00")
    assert offer.denomination == Decimal("50.00")
    assert offer.total_amount == Decimal("150.00")
    assert offer.currency == "EUR"
    assert offer.used_at is None
    assert offer.snapshot["denomination"] == "50.00"
    assert offer.snapshot["totalAmount"] == "150.00"


@pytest.mark.parametrize(
    "denomination",
    [None, "30.00", "0", "-25.00", "abc", "NaN"],
    ids=["missing", "not-offered", "zero", "negative", "not-a-number", "nan"],
)
def test_voucher_denomination_not_offered_is_refused(partner, denomination):
    voucher = factories.product(kind=SupplierKind.VOUCHER, denominations=["25.00", "50.00"])
    before = Offer.objects.count()

    with pytest.raises(InvalidDenomination):
        quote(partner, voucher, 1, denomination)

    assert Offer.objects.count() == before


@pytest.mark.parametrize("denomination", ["25.001", "24.995"])
def test_denomination_finer_than_the_currency_is_refused_not_rounded(partner, denomination):
    """A face value EUR cannot express is bad input; it must not silently become 25.00."""
    voucher = factories.product(kind=SupplierKind.VOUCHER, denominations=["25.00", "50.00"])

    with pytest.raises(InvalidDenomination):
        quote(partner, voucher, 1, denomination)

    assert Offer.objects.count() == 0


def test_denomination_for_a_product_without_denominations_is_refused(partner):
    product = factories.product(kind=SupplierKind.EVENT)

    with pytest.raises(InvalidDenomination):
        quote(partner, product, 1, "25.00")

    assert Offer.objects.count() == 0


@pytest.mark.parametrize("quantity", [1, 20])
def test_quantity_within_bounds_is_quoted(partner, quantity):
    product = factories.product(kind=SupplierKind.EVENT, price="12.50")

    offer = quote(partner, product, quantity)

    assert offer.quantity == quantity
    assert offer.total_amount == Decimal("12.50") * quantity


@pytest.mark.parametrize("quantity", [0, -1, 21])
def test_quantity_out_of_bounds_is_refused(partner, quantity):
    product = factories.product(kind=SupplierKind.EVENT)

    with pytest.raises(InvalidQuantity):
        quote(partner, product, quantity)

    assert Offer.objects.count() == 0
