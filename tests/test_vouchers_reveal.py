"""Who may see a voucher's code, and the audit of every reveal.

Secrets open only for a delivered line whose voucher is ACTIVE: through the API only for the
order's partner, in the admin only for active staff with the "reveal voucher" permission, on the
customer's pages only once the order is paid. Each voucher shown writes one audit event (who,
when, which voucher, correlation id) and no secret.
"""

import json

import pytest
from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied

from orders.errors import VoucherNotRevealable
from orders.models import OrderEvent, OrderLine
from orders.services import fulfilment
from orders.services.reveal import reveal_for_staff
from orders.services.revocation import voucher_revoke
from payments.models import Payment
from payments.providers.base import PaymentState
from payments.services import gateway
from payments.services.checkout import tickets_reveal
from suppliers.models import Product
from tessera.actors import Actor
from tests.gateway_support import Customer, reserved_order
from tests.voucher_support import delivered_order, gift_card, vouchers_of

pytestmark = pytest.mark.django_db(transaction=True)


def reveal_events(order=None):
    events = OrderEvent.objects.filter(transition="voucher.revealed")
    return list(events.filter(order=order) if order is not None else events)


def staff_user(django_user_model, *, allowed: bool, name: str = "agent", **flags):
    user = django_user_model.objects.create_user(
        name, password="pw", is_staff=flags.pop("is_staff", True), **flags
    )
    if allowed:
        user.user_permissions.add(
            Permission.objects.get(codename="reveal_voucher", content_type__app_label="orders")
        )
    return django_user_model.objects.get(pk=user.pk)  # fresh: permissions are cached per instance


# --- the partner, through the API -----------------------------------------------------------


def test_the_orders_partner_gets_the_codes_of_delivered_vouchers_and_each_reveal_is_audited(
    api, worker, known_secrets
):
    # given a delivered order of two gift cards
    order = delivered_order(api.partner, worker, quantity=2)
    vouchers = vouchers_of(order)

    # when its partner asks for the vouchers, with a correlation id
    response = api.get(f"/orders/{order.pk}/vouchers", **{"X-Correlation-Id": "reveal-test-1"})

    # then every line comes with its code, PIN and link (never the supplier secret), uncached
    assert response.status_code == 200, response.json()
    assert "no-store" in response["Cache-Control"]
    items = response.json()["items"]
    assert [item["position"] for item in items] == [1, 2]
    for item, voucher in zip(items, vouchers, strict=True):
        expected = known_secrets(voucher.line_id)
        shown = item["voucher"]
        assert (shown["code"], shown["pin"], shown["url"]) == (
            expected["code"],
            expected["pin"],
            expected["url"],
        )
        assert expected["supplier_secret"] not in json.dumps(item)
        assert (item["lineStatus"], item["subStatus"], shown["status"]) == (
            "ISSUED",
            "voucher_fetched",
            "ACTIVE",
        )
    # and one audit event per voucher: who, which voucher, the request's correlation id
    events = reveal_events(order)
    assert sorted(event.subject_id for event in events) == sorted(str(v.pk) for v in vouchers)
    for event in events:
        assert (event.subject_type, event.actor_kind, event.actor_partner_id) == (
            "voucher",
            "partner",
            api.partner.pk,
        )
        assert event.correlation_id == "reveal-test-1"
        assert event.payload["channel"] == "api" and event.payload["fields"] == ["code", "pin", "url"]
        assert event.created_at is not None


def test_the_audit_of_reveals_is_in_the_orders_trail_for_its_partner(api, worker, known_secrets):
    order = delivered_order(api.partner, worker)
    api.get(f"/orders/{order.pk}/vouchers")
    api.get(f"/orders/{order.pk}/vouchers")

    trail = api.get(f"/orders/{order.pk}/events", {"perPage": 100}).json()["items"]

    reveals = [event for event in trail if event["transition"] == "voucher.revealed"]
    assert len(reveals) == 2
    assert {event["subjectType"] for event in reveals} == {"voucher"}
    assert known_secrets(order.lines.get().pk)["code"] not in json.dumps(trail)


def test_another_partner_gets_404_for_the_vouchers_and_nothing_is_revealed(api, other_api, worker):
    order = delivered_order(api.partner, worker)

    response = other_api.get(f"/orders/{order.pk}/vouchers")

    assert response.status_code == 404
    assert response.json()["errorCode"] == "ORDER_NOT_FOUND"
    assert reveal_events() == []


def test_lines_not_delivered_yet_are_listed_with_their_sub_status_and_no_voucher(api, worker, settings):
    # given an order finalized while the supplier has not released the voucher (delayed delivery)
    settings.SANDBOX_TIME_SCALE = 1.0
    product = gift_card(late=30)
    Product.objects.filter(pk=product.pk).update(delivery="delayed")
    order = delivered_order(api.partner, worker, product=product)

    items = api.get(f"/orders/{order.pk}/vouchers").json()["items"]

    assert [
        (item["lineStatus"], item["subStatus"], item["deliveryType"], item["voucher"]) for item in items
    ] == [("ISSUING", "voucher_fetch_pending", "delayed", None)]
    assert reveal_events() == []


def test_a_revoked_voucher_is_listed_with_its_state_and_without_secrets(api, worker, known_secrets):
    order = delivered_order(api.partner, worker, quantity=2)
    first, second = vouchers_of(order)
    voucher_revoke(voucher_id=first.pk, reason="Reported stolen", actor=Actor.system("tests"))

    items = api.get(f"/orders/{order.pk}/vouchers").json()["items"]

    revoked, active = (item["voucher"] for item in items)
    assert (revoked["status"], revoked["code"], revoked["pin"], revoked["url"]) == (
        "REVOKED",
        None,
        None,
        None,
    )
    assert revoked["revokedReason"] == "Reported stolen" and revoked["revokedAt"]
    assert active["code"] == known_secrets(second.line_id)["code"]
    assert [event.subject_id for event in reveal_events(order)] == [str(second.pk)]


def test_listing_vouchers_takes_the_same_queries_for_one_line_as_for_six(
    api, worker, django_assert_max_num_queries
):
    small = delivered_order(api.partner, worker, quantity=1)
    large = delivered_order(api.partner, worker, quantity=6)
    with django_assert_max_num_queries(15) as measured:
        assert api.get(f"/orders/{small.pk}/vouchers").status_code == 200

    with django_assert_max_num_queries(len(measured)):
        assert api.get(f"/orders/{large.pk}/vouchers").status_code == 200


# --- staff, in the admin --------------------------------------------------------------------


def test_staff_with_the_reveal_permission_see_every_secret_and_the_reveal_is_audited(
    django_user_model, wallet_partner, worker, known_secrets
):
    (voucher,) = vouchers_of(delivered_order(wallet_partner, worker))
    agent = staff_user(django_user_model, allowed=True)

    revealed = reveal_for_staff(voucher_id=voucher.pk, user=agent)

    assert revealed.secrets == known_secrets(voucher.line_id)
    (event,) = reveal_events()
    assert (event.actor_kind, event.actor_user_id, event.actor_label) == ("staff", agent.pk, "agent")
    assert event.payload == {
        "line": 1,
        "channel": "admin",
        "fields": ["code", "pin", "url", "supplier_secret"],
    }


@pytest.mark.parametrize(
    "who",
    ["staff without the permission", "not staff, with the permission", "inactive staff with the permission"],
)
def test_anyone_else_is_refused_and_the_attempt_is_audited(django_user_model, wallet_partner, worker, who):
    (voucher,) = vouchers_of(delivered_order(wallet_partner, worker))
    user = {
        "staff without the permission": lambda: staff_user(django_user_model, allowed=False),
        "not staff, with the permission": lambda: staff_user(django_user_model, allowed=True, is_staff=False),
        "inactive staff with the permission": lambda: staff_user(
            django_user_model, allowed=True, is_active=False
        ),
    }[who]()

    with pytest.raises(PermissionDenied):
        reveal_for_staff(voucher_id=voucher.pk, user=user)

    assert reveal_events() == []
    refused = OrderEvent.objects.get(transition="voucher.reveal_refused")
    assert (refused.subject_id, refused.actor_user_id) == (str(voucher.pk), user.pk)


def test_a_superuser_may_reveal(django_user_model, wallet_partner, worker):
    (voucher,) = vouchers_of(delivered_order(wallet_partner, worker))
    boss = django_user_model.objects.create_superuser("boss", password="pw")

    assert reveal_for_staff(voucher_id=voucher.pk, user=boss).secrets["code"]


def test_staff_cannot_reveal_a_revoked_voucher_or_one_whose_line_is_no_longer_delivered(
    django_user_model, wallet_partner, worker
):
    first, second = vouchers_of(delivered_order(wallet_partner, worker, quantity=2))
    agent = staff_user(django_user_model, allowed=True)
    voucher_revoke(voucher_id=first.pk, reason="Supplier cancelled it", actor=Actor.staff(agent))
    OrderLine.objects.filter(pk=second.line_id).update(status="REFUNDED")

    with pytest.raises(VoucherNotRevealable, match="revoked"):
        reveal_for_staff(voucher_id=first.pk, user=agent)
    with pytest.raises(VoucherNotRevealable, match="REFUNDED"):
        reveal_for_staff(voucher_id=second.pk, user=agent)
    assert reveal_events() == []


# --- the customer, on the status and tickets pages ------------------------------------------


def gateway_gift_card_order(quantity: int = 1):
    return reserved_order(product_obj=gift_card(), quantity=quantity)


def pay(order) -> None:
    payment = gateway.payment_start(order_id=order.pk)
    gateway.payment_apply_state(
        payment_id=payment.pk, state=PaymentState.PAID, actor=Actor.system("tests"), source="test"
    )


def issue(order) -> None:
    for line_id in order.lines.values_list("pk", flat=True):
        fulfilment.line_issue(line_id=line_id)


def test_the_customer_sees_no_code_before_paying(known_secrets):
    order = gateway_gift_card_order()
    gateway.payment_start(order_id=order.pk)

    page = Customer(order).open("tickets").content.decode()

    assert "CNRY-" not in page
    assert reveal_events() == []


def test_the_customer_sees_no_code_once_paid_until_it_is_delivered(known_secrets):
    order = gateway_gift_card_order()
    pay(order)

    page = Customer(order).open("tickets").content.decode()

    assert "CNRY-" not in page and "once the order is paid and issued" in page
    assert reveal_events() == []


def test_the_customer_sees_the_codes_once_paid_and_delivered_and_each_view_is_audited(known_secrets):
    order = gateway_gift_card_order(quantity=2)
    pay(order)
    issue(order)
    vouchers = vouchers_of(order)

    page = Customer(order).open("tickets").content.decode()

    for voucher in vouchers:
        secrets = known_secrets(voucher.line_id)
        assert secrets["code"] in page and secrets["pin"] in page
        assert secrets["supplier_secret"] not in page
    events = reveal_events(order)
    assert sorted(e.subject_id for e in events) == sorted(str(v.pk) for v in vouchers)
    assert {(e.actor_label, e.payload["channel"]) for e in events} == {("customer", "customer_page")}


def test_tickets_reveal_itself_opens_nothing_once_the_payment_no_longer_stands(known_secrets):
    # given a paid, delivered order whose payment was then given back in full
    order = gateway_gift_card_order()
    pay(order)
    issue(order)
    lines = list(OrderLine.objects.filter(order=order).select_related("voucher"))
    Payment.objects.filter(order=order).update(status="REFUNDED")

    # when any page asks the service for the tickets
    tickets = tickets_reveal(order=order, lines=lines, actor=Actor.system("customer"))

    # then the service itself refuses, whatever the page checked
    assert tickets == []
    assert reveal_events() == []


def test_the_customer_sees_a_revoked_voucher_as_revoked_without_its_code(known_secrets):
    order = gateway_gift_card_order()
    pay(order)
    issue(order)
    (voucher,) = vouchers_of(order)
    voucher_revoke(voucher_id=voucher.pk, reason="Reported stolen", actor=Actor.system("tests"))

    page = Customer(order).open("tickets").content.decode()

    assert "was revoked" in page
    assert known_secrets(voucher.line_id)["code"] not in page
    assert reveal_events() == []
