"""The stock in the back office: codes never shown, staff block/unblock/revoke (audited), low stock."""

from datetime import timedelta

import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.utils import timezone

from orders.models import OrderEvent
from orders.statuses import VoucherStatus
from orders.stock import low_stock_products, stock_codes_block
from payments.services import finalization
from suppliers.models import CodeStatus, InventoryCode, Product
from tessera.actors import Actor
from tests.inventory_support import IMPORTER, import_codes, stock_order, stock_product

pytestmark = pytest.mark.django_db(transaction=True)

CHANGELIST = "/admin/suppliers/inventorycode/"


def staff(*codenames: str, username: str = "stock-admin"):
    user = get_user_model().objects.create_user(username, password="pw", is_staff=True)
    for codename in codenames:
        user.user_permissions.add(Permission.objects.get(codename=codename))
    return user


def act(client, action: str, codes, **extra):
    return client.post(
        CHANGELIST, {"action": action, "_selected_action": [code.pk for code in codes], **extra}, follow=True
    )


def statuses(codes) -> list[str]:
    return [InventoryCode.objects.get(pk=code.pk).status for code in codes]


# --- nothing of a code shows ----------------------------------------------------------------------


def test_code_pages_never_show_a_code_or_its_sealed_bytes(client, wallet_partner):
    product = stock_product()
    import_codes(product, ["SHOWN-NOWHERE-0001", "SHOWN-NOWHERE-0002"], pin="PIN-NOWHERE")
    stock_order(wallet_partner, product)
    client.force_login(staff("view_inventorycode"))
    code = product.inventory_codes.first()

    pages = [
        client.get(CHANGELIST),
        client.get(f"{CHANGELIST}?q={code.pk}"),
        client.get(f"{CHANGELIST}{code.pk}/change/"),
    ]

    assert [page.status_code for page in pages] == [200, 200, 200]
    html = " ".join(page.content.decode() for page in pages)
    assert "SHOWN-NOWHERE" not in html and "PIN-NOWHERE" not in html
    assert "code_sealed" not in html and "code digest" not in html.lower()


def test_staff_find_the_code_an_order_got_by_the_orders_reference(client, wallet_partner):
    product = stock_product(codes=3)
    order = stock_order(wallet_partner, product)
    held = InventoryCode.objects.get(line__order=order)
    client.force_login(staff("view_inventorycode"))

    response = client.get(CHANGELIST, {"q": order.reference})

    assert response.status_code == 200
    assert [code.pk for code in response.context["cl"].result_list] == [held.pk]


def test_the_code_list_costs_the_same_queries_for_many_codes(
    client, wallet_partner, django_assert_max_num_queries
):
    few, many = stock_product(codes=2), stock_product(codes=40)
    for product in (few, many):
        stock_order(wallet_partner, product)
    client.force_login(staff("view_inventorycode"))

    with django_assert_max_num_queries(20) as measured:
        assert client.get(f"{CHANGELIST}?product__id__exact={few.pk}").status_code == 200
    with django_assert_max_num_queries(len(measured)):
        assert client.get(f"{CHANGELIST}?product__id__exact={many.pk}").status_code == 200


# --- block, unblock, revoke -------------------------------------------------------------------------


def test_staff_block_and_unblock_available_codes_and_each_change_is_in_the_codes_history(
    client, wallet_partner
):
    product = stock_product(codes=3)
    allocated = stock_order(wallet_partner, product).lines.get().inventory_code
    free = list(product.inventory_codes.filter(status=CodeStatus.AVAILABLE))
    clerk = staff("view_inventorycode", "change_inventorycode")
    client.force_login(clerk)

    blocked = act(client, "block_codes", [*free, allocated])

    assert statuses(free) == [CodeStatus.BLOCKED] * 2
    assert InventoryCode.objects.get(pk=allocated.pk).status == CodeStatus.ALLOCATED  # an order holds it
    page = blocked.content.decode()
    assert "Blocked 2 code(s)." in page and "1 code(s) left as they were" in page
    entries = LogEntry.objects.filter(user=clerk, object_id__in=[str(code.pk) for code in free])
    assert sorted(entry.get_change_message() for entry in entries) == ["Blocked (now BLOCKED)."] * 2

    act(client, "unblock_codes", free)

    assert statuses(free) == [CodeStatus.AVAILABLE] * 2


def test_revoking_asks_for_a_reason_then_revokes_and_voids_a_delivered_codes_voucher(
    client, wallet_partner, worker
):
    product = stock_product(codes=2)
    order = stock_order(wallet_partner, product)
    worker()
    finalization.order_finalize(order_id=order.pk, method="wallet", actor=Actor.partner(wallet_partner))
    worker()
    delivered = InventoryCode.objects.get(line__order=order)
    spare = product.inventory_codes.get(status=CodeStatus.AVAILABLE)
    clerk = staff("view_inventorycode", "change_inventorycode")
    client.force_login(clerk)

    asked = act(client, "revoke_codes", [delivered, spare])
    assert "Revoke stock codes" in asked.content.decode()
    assert statuses([delivered, spare]) == [CodeStatus.DELIVERED, CodeStatus.AVAILABLE]

    act(client, "revoke_codes", [delivered, spare], reason="vendor cancelled the batch")

    assert statuses([delivered, spare]) == [CodeStatus.REVOKED] * 2
    voucher = delivered.line.voucher
    voucher.refresh_from_db()
    assert voucher.status == VoucherStatus.REVOKED
    assert "vendor cancelled the batch" in voucher.revoked_reason
    event = OrderEvent.objects.get(order=order, subject_type="stock_code", transition="stock_code.revoked")
    assert (event.from_status, event.to_status, event.actor_user_id) == ("DELIVERED", "REVOKED", clerk.pk)
    assert event.payload == {"reason": "vendor cancelled the batch"}
    assert LogEntry.objects.filter(user=clerk, object_id=str(spare.pk)).exists()


def test_staff_who_may_only_view_codes_have_no_actions(client):
    product = stock_product(codes=1)
    client.force_login(staff("view_inventorycode"))

    act(client, "block_codes", list(product.inventory_codes.all()))

    assert statuses(product.inventory_codes.all()) == [CodeStatus.AVAILABLE]


# --- low stock ----------------------------------------------------------------------------------------


def test_low_stock_lists_active_stock_products_below_their_threshold_counting_only_codes_on_sale():
    low = stock_product(codes=3, threshold=5)
    enough = stock_product(codes=6, threshold=5)
    empty = stock_product(threshold=1)
    inactive = stock_product(codes=1, threshold=5)
    Product.objects.filter(pk=inactive.pk).update(is_active=False)
    # a product whose codes are there but not on sale: blocked or expired
    unsellable = stock_product(codes=4, threshold=3)
    codes = list(unsellable.inventory_codes.order_by("pk"))
    stock_codes_block(code_ids=[codes[0].pk], actor=IMPORTER)
    InventoryCode.objects.filter(pk=codes[1].pk).update(valid_until=timezone.now() - timedelta(days=1))

    found = {product.pk: product.available for product in low_stock_products()}

    assert found == {empty.pk: 0, unsellable.pk: 2, low.pk: 3}
    assert [product.pk for product in low_stock_products()] == [empty.pk, unsellable.pk, low.pk]
    assert enough.pk not in found


def test_the_import_page_shows_how_many_codes_each_stock_product_has_on_sale(client):
    product = stock_product(codes=4, threshold=7)
    client.force_login(staff("add_inventoryimport"))

    page = client.get("/admin/suppliers/inventoryimport/add/").content.decode()

    assert f"<td>{product}</td><td>4</td><td>7</td>" in page
