"""``manage.py rotate_voucher_keys``: every secret re-sealed under the newest key, in batches that
each commit alone, so a run can be stopped anywhere and started again; refused while a row names a
key the keyring no longer holds."""

import base64
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from orders import stock as inventory
from orders.models import OrderLine, Voucher
from orders.services import key_rotation
from orders.services.reveal import vouchers_reveal
from orders.services.revocation import voucher_revoke
from orders.vouchers import SEALED_FIELDS, voucher_secret, voucher_store
from suppliers.adapters.base import DeliveredItem
from suppliers.models import InventoryCode
from tessera import sealing
from tessera.actors import Actor
from tests import factories
from tests.inventory_support import stock_product
from tests.threads import run_concurrently
from tests.voucher_support import gift_card

pytestmark = pytest.mark.django_db(transaction=True)

NEW_KEY = base64.b64encode(b"R" * 32).decode()


def secrets_for(position: int) -> dict[str, str]:
    return {
        "code": f"ROT-{position:04d}-7KQZ",
        "pin": f"P{position:04d}",
        "url": f"https://redeem.example/r/{position:04d}",
        "supplier_secret": f"S{position:04d}",
    }


def many_vouchers(count: int) -> list[Voucher]:
    """``count`` delivered vouchers on the lines of one order, sealed under the key in use."""
    owner = factories.partner(wallet="0")
    product = gift_card()
    order = factories.order(owner=owner, product_obj=product)
    first = order.lines.get()
    OrderLine.objects.bulk_create(
        [
            OrderLine(
                order=order,
                position=position,
                offer_id=first.offer_id,
                product=product,
                supplier_id=first.supplier_id,
                description=first.description,
                amount=first.amount,
                currency=first.currency,
            )
            for position in range(2, count + 1)
        ]
    )
    vouchers = []
    for line in OrderLine.objects.filter(order=order).select_related("product").order_by("position"):
        values = secrets_for(line.position)
        item = DeliveredItem(
            kind="code",
            code=values["code"],
            pin=values["pin"],
            url=values["url"],
            secret=values["supplier_secret"],
        )
        vouchers.append(voucher_store(line=line, item=item))
    return vouchers


def opened(voucher: Voucher) -> dict[str, str | None]:
    return {field: voucher_secret(voucher, field) for field in SEALED_FIELDS}


def rotate(**options) -> str:
    out = StringIO()
    call_command("rotate_voucher_keys", stdout=out, stderr=StringIO(), **options)
    return out.getvalue()


def key_ids() -> dict[str, int]:
    return {
        row: Voucher.objects.filter(key_id=row).count()
        for row in Voucher.objects.values_list("key_id", flat=True)
    }


@pytest.fixture
def new_key_first(settings):
    """Put a new key first in VOUCHER_KEYS, keeping the old one for reading."""
    old_kid = sealing.current_key_id()

    def put_first() -> str:
        settings.VOUCHER_KEYS = f"new:{NEW_KEY},{settings.VOUCHER_KEYS}"
        return old_kid

    return put_first


def test_rotation_reseals_five_hundred_vouchers_under_the_newest_key_and_each_opens_the_same(
    new_key_first, settings
):
    # given 500 vouchers sealed under today's key
    vouchers = many_vouchers(500)
    before = {voucher.pk: (opened(voucher), bytes(voucher.code_sealed)) for voucher in vouchers}
    old_kid = new_key_first()

    # when the rotation runs in batches of 64
    output = rotate(batch_size=64)

    # then every voucher is under the new key, its ciphertexts are new, and it opens to the same
    assert "vouchers: 500 re-sealed under 'new'" in output
    assert key_ids() == {"new": 500}
    # ... even once the old key is gone
    settings.VOUCHER_KEYS = f"new:{NEW_KEY}"
    for voucher in Voucher.objects.select_related("line"):
        secrets, old_code_blob = before[voucher.pk]
        assert opened(voucher) == secrets == secrets_for(voucher.line.position)
        assert bytes(voucher.code_sealed) != old_code_blob
    # and the digest, the row's lookup key, did not move
    sample = Voucher.objects.get(code_digest=sealing.digest(secrets_for(321)["code"]))
    assert sample.line.position == 321
    assert old_kid != "new"


def test_a_rotation_interrupted_midway_leaves_every_row_whole_and_the_next_run_does_only_the_rest(
    new_key_first, monkeypatch
):
    # given 300 vouchers and a rotation that is killed while re-sealing the 150th row
    many_vouchers(300)
    old_kid = new_key_first()
    real_reseal = key_rotation.voucher_reseal
    calls = {"n": 0}

    def reseal_until_killed(voucher, *, key_id):
        calls["n"] += 1
        if calls["n"] == 150:
            raise KeyboardInterrupt
        real_reseal(voucher, key_id=key_id)

    monkeypatch.setattr(key_rotation, "voucher_reseal", reseal_until_killed)

    with pytest.raises(KeyboardInterrupt):
        rotate(batch_size=64)

    # then the two finished batches are under the new key and the broken one is untouched
    assert key_ids() == {"new": 128, old_kid: 172}
    for voucher in Voucher.objects.select_related("line"):
        assert opened(voucher) == secrets_for(voucher.line.position)

    # when it runs again, it re-seals only what is left
    monkeypatch.setattr(key_rotation, "voucher_reseal", real_reseal)
    output = rotate(batch_size=64)

    assert "vouchers: 172 re-sealed under 'new'" in output
    assert key_ids() == {"new": 300}
    # and a third run finds nothing to do
    assert "vouchers: every row is already under 'new'" in rotate()


def test_rotation_reseals_the_voucher_stock_too_under_the_stocks_own_binding(new_key_first):
    # given 40 codes in stock (sealed by the stock's rule) and 3 delivered vouchers
    product = stock_product(codes=40)
    many_vouchers(3)
    before = {code.pk: inventory.code_secret(code, "code") for code in InventoryCode.objects.all()}
    new_key_first()

    output = rotate(batch_size=16)

    # then both tables are under the new key and every stock code opens to what was imported
    assert "stock codes: 40 re-sealed under 'new'" in output
    assert "vouchers: 3 re-sealed under 'new'" in output
    assert set(InventoryCode.objects.values_list("key_id", flat=True)) == {"new"}
    assert {code.pk: inventory.code_secret(code, "code") for code in InventoryCode.objects.all()} == before
    assert all(value.startswith("STOCK-") for value in before.values()) and len(before) == 40
    assert product.inventory_codes.count() == 40


def test_rotation_refuses_to_start_while_a_row_names_a_key_the_keyring_lacks(new_key_first):
    vouchers = many_vouchers(5)
    old_kid = new_key_first()
    Voucher.objects.filter(pk=vouchers[2].pk).update(key_id="lost-2023")

    with pytest.raises(CommandError, match="'lost-2023' on 1 rows"):
        rotate()

    assert key_ids() == {old_kid: 4, "lost-2023": 1}


def test_rotation_refuses_a_batch_size_below_one():
    with pytest.raises(CommandError, match="at least 1"):
        rotate(batch_size=0)


@pytest.mark.postgres
def test_rotation_while_codes_are_revealed_and_vouchers_revoked_loses_nothing(new_key_first):
    # given 120 vouchers, a new key first, and staff busy revealing and revoking meanwhile
    vouchers = many_vouchers(120)
    OrderLine.objects.update(status="ISSUED")
    new_key_first()
    staff = Actor.system("tests")
    to_revoke = {voucher.pk for voucher in vouchers[::7]}

    def act(item):
        if item == "rotate":
            return sum(key_rotation.table_rotate(key_rotation.VOUCHERS, batch_size=10))
        kind, voucher_id = item
        if kind == "revoke":
            return voucher_revoke(voucher_id=voucher_id, reason="reported stolen", actor=staff).status
        voucher = Voucher.objects.select_related("line").get(pk=voucher_id)
        if voucher.status != "ACTIVE":
            return "revoked"
        (revealed,) = vouchers_reveal(vouchers=[voucher], actor=staff, channel="admin")
        return revealed.secrets["code"]

    work = ["rotate"] + [
        ("revoke" if voucher.pk in to_revoke else "reveal", voucher.pk) for voucher in vouchers
    ]
    outcomes = run_concurrently(act, work, threads=6)

    # then nothing failed, every row is under the new key and opens, and every revocation stuck
    assert [outcome.error for outcome in outcomes if outcome.error] == []
    assert key_ids() == {"new": 120}
    for voucher in Voucher.objects.select_related("line"):
        assert opened(voucher) == secrets_for(voucher.line.position)
        assert voucher.status == ("REVOKED" if voucher.pk in to_revoke else "ACTIVE")
