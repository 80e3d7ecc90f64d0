"""``make run`` loads demo data and an admin login; both are safe to run again."""

from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from orders.models import Order, Partner
from orders.services import creation, inputs
from payments.models import Wallet
from payments.services import finalization
from suppliers.models import Product, Supplier
from suppliers.services import offer_quote
from tessera.actors import Actor

pytestmark = pytest.mark.django_db(transaction=True)


def seed() -> str:
    out = StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def test_seed_demo_twice_gives_the_same_data_and_credits_once():
    seed()
    counts = (Partner.objects.count(), Supplier.objects.count(), Product.objects.count())
    seed()

    assert counts == (Partner.objects.count(), Supplier.objects.count(), Product.objects.count())
    assert {p.billing_modes[0] for p in Partner.objects.all()} == {"wallet", "invoice", "gateway"}
    assert set(Supplier.objects.values_list("kind", flat=True)) == {"rail", "air", "event", "voucher"}
    wallet = Wallet.objects.get()
    assert wallet.entries.count() == 1
    assert str(wallet.balance) == "5000.000"


def test_demo_products_show_every_path_of_the_lifecycle(worker):
    seed()
    partner = Partner.objects.get(slug="fjord-travel")
    actor = Actor.partner(partner)
    expected = {
        "OSL-BGO-0725": "FULFILLED",
        "AMS-CDG-FAILS": "FAILED",
        "GIFT-PARTIAL": "PARTIALLY_FULFILLED",
        "FESTIVAL-TIMEOUT": "FULFILLED",  # UNKNOWN first, then reconciled
        "GIFT-DELAYED": "FULFILLED",
    }
    orders = {}
    for reference in expected:
        product = Product.objects.get(supplier_reference=reference)
        offer = offer_quote(
            partner=partner,
            product_id=product.pk,
            quantity=2,
            denomination=product.denominations[0] if product.denominations else None,
        )
        travellers = [inputs.TravellerInput(given_name="Demo", family_name=f"T{i}") for i in range(2)]
        orders[reference] = creation.order_create(
            partner=partner, offer_ids=[offer.pk], travellers=travellers, actor=actor
        )
    worker()
    for order in orders.values():
        finalization.order_finalize(order_id=order.pk, method="wallet", actor=actor)
    worker()

    assert {ref: Order.objects.get(pk=o.pk).status for ref, o in orders.items()} == expected
    assert (
        Order.objects.get(pk=orders["FESTIVAL-TIMEOUT"].pk).events.filter(transition="line.unknown").exists()
    )


def test_ensure_admin_creates_the_login_once(monkeypatch, settings):
    settings.DEBUG = True
    monkeypatch.delenv("ADMIN_PASSWORD", raising=False)
    out = StringIO()
    call_command("ensure_admin", stdout=out)
    call_command("ensure_admin", stdout=out)

    user = get_user_model().objects.get(username="admin")
    assert user.is_superuser
    assert user.check_password("admin")
    assert "admin / admin" in out.getvalue()


def test_ensure_admin_wants_a_real_password_outside_development(monkeypatch, settings):
    settings.DEBUG = False
    monkeypatch.delenv("ADMIN_PASSWORD", raising=False)
    with pytest.raises(CommandError):
        call_command("ensure_admin", stdout=StringIO())
    assert not get_user_model().objects.exists()


def test_seed_demo_stocks_the_stock_product_once_and_its_codes_sell(worker):
    seed()
    seed()
    product = Product.objects.get(supplier_reference="GIFT-STOCK")
    assert product.inventory_codes.filter(status="AVAILABLE").count() == 25
    assert product.inventory_imports.count() == 1

    partner = Partner.objects.get(slug="fjord-travel")
    actor = Actor.partner(partner)
    offer = offer_quote(
        partner=partner, product_id=product.pk, quantity=2, denomination=product.denominations[0]
    )
    order = creation.order_create(partner=partner, offer_ids=[offer.pk], actor=actor)
    worker()
    finalization.order_finalize(order_id=order.pk, method="wallet", actor=actor)
    worker()

    assert Order.objects.get(pk=order.pk).status == "FULFILLED"
    assert product.inventory_codes.filter(status="AVAILABLE").count() == 23
