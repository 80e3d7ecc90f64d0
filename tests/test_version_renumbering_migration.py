"""orders 0023 numbers down the versions of orders edited while PENDING before editing stopped
raising ``Order.version``: the order as finalized is version 1 again, its amendments 2, 3, ..."""

import importlib
from datetime import timedelta
from decimal import Decimal

import pytest
from django.apps import apps
from django.utils import timezone

from orders.models import Order, OrderLine, OrderVersion, Traveller
from tests import factories

pytestmark = pytest.mark.django_db

renumber = importlib.import_module("orders.migrations.0023_version_counts_confirmed_versions").renumber


def version(order, number: int, status: str) -> OrderVersion:
    return OrderVersion.objects.create(
        order=order,
        number=number,
        status=status,
        currency="EUR",
        previous_total=Decimal("100.00"),
        total_amount=Decimal("100.00"),
        fee_amount=Decimal("0.00"),
        balance=Decimal("0.00"),
        expires_at=timezone.now() + timedelta(minutes=20),
    )


def test_an_order_edited_twice_then_amended_twice_reads_as_versions_1_to_3(wallet_partner):
    # Given an order edited twice while PENDING (version 3), then amended: version 4 confirmed,
    # a discarded draft 5, and version 5 open, with lines and a traveller of those versions
    order = factories.order(owner=wallet_partner, product_obj=factories.product(), quantity=2)
    first, second = order.lines.order_by("position")
    version(order, 4, "CONFIRMED")
    version(order, 5, "DISCARDED")
    version(order, 5, "DRAFT")
    OrderLine.objects.filter(pk=first.pk).update(removed_in_version=4)
    OrderLine.objects.filter(pk=second.pk).update(removed_in_version=5)
    traveller = Traveller.objects.create(
        order=order, position=9, given_name="Bo", family_name="N", added_in_version=4
    )
    Order.objects.filter(pk=order.pk).update(version=4)
    untouched = factories.order(owner=wallet_partner, product_obj=factories.product())
    edited_only = factories.order(owner=wallet_partner, product_obj=factories.product())
    Order.objects.filter(pk=edited_only.pk).update(version=3)

    # When the migration runs
    renumber(apps, None)

    # Then the order is version 2 with its draft 3; its rows follow; other orders are version 1
    assert Order.objects.get(pk=order.pk).version == 2
    assert sorted(OrderVersion.objects.filter(order=order).values_list("number", "status")) == [
        (2, "CONFIRMED"),
        (3, "DISCARDED"),
        (3, "DRAFT"),
    ]
    assert OrderLine.objects.get(pk=first.pk).removed_in_version == 2
    assert OrderLine.objects.get(pk=second.pk).removed_in_version == 3
    assert Traveller.objects.get(pk=traveller.pk).added_in_version == 2
    assert OrderLine.objects.get(pk=first.pk).added_in_version == 1
    assert Order.objects.get(pk=untouched.pk).version == 1
    assert Order.objects.get(pk=edited_only.pk).version == 1
