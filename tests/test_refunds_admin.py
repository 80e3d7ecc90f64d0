"""Staff refunds in the admin: a form on the order's page, the same service as the partner API.

Given a delivered order, when staff with the refund permission open "Refund…" and send the form,
then a refund is requested as that staff member and its amount shown; refusals come back as form
errors; staff without the permission get neither button nor form. The refund list filters the
refunds whose money is owed and sends it again.
"""

import re
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.contrib.messages import get_messages
from django.urls import reverse

from orders.models import OrderEvent
from payments.models import Refund
from payments.services.refunds import refund_request, refund_settle
from tessera.actors import Actor
from tests import factories
from tests.refund_support import delivered, delivered_by_gateway, reset_script

pytestmark = pytest.mark.django_db(transaction=True)


def staff_client(client, django_user_model, *perms: str):
    user = django_user_model.objects.create_user("clerk", "clerk@example.com", "pw-clerk-123", is_staff=True)
    for perm in perms:
        app_label, codename = perm.split(".")
        user.user_permissions.add(
            Permission.objects.get(content_type__app_label=app_label, codename=codename)
        )
    client.force_login(user)
    return client


@pytest.fixture
def refunder(client, django_user_model):
    return staff_client(
        client, django_user_model, "orders.view_order", "payments.view_refund", "payments.add_refund"
    )


@pytest.fixture
def order(wallet_partner, worker):
    return delivered(wallet_partner, factories.product(price="70.00"), worker=worker)


def refund_url(order) -> str:
    return reverse("admin:orders_order_refund", args=[order.pk])


def form_key(page: str) -> str:
    return re.search(r'name="key" value="([0-9a-f]{32})"', page).group(1)


def line_ids(order, *positions: int) -> list[str]:
    return [str(order.lines.get(position=position).pk) for position in positions]


def test_staff_with_the_permission_see_the_button_and_the_lines_to_choose(refunder, order):
    page = refunder.get(reverse("admin:orders_order_change", args=[order.pk])).content.decode()
    assert refund_url(order) in page and "Refund…" in page

    form = refunder.get(refund_url(order))

    assert form.status_code == 200
    body = form.content.decode()
    assert body.count('type="checkbox" name="lines"') == 2
    assert "#1 " in body and "70.00 EUR" in body
    assert 'name="reason"' in body and 'name="note"' in body


def test_sending_the_form_refunds_as_the_staff_member_and_says_how_much(refunder, order, worker):
    key = form_key(refunder.get(refund_url(order)).content.decode())
    data = {"lines": line_ids(order, 2), "reason": "goodwill", "note": "late train", "key": key}

    review = refunder.post(refund_url(order), data)
    assert review.status_code == 200 and not Refund.objects.exists()
    data["confirmed"] = "yes"
    response = refunder.post(refund_url(order), data)
    again = refunder.post(refund_url(order), data)  # a double click

    assert response.status_code == 302
    assert response["Location"] == reverse("admin:orders_order_change", args=[order.pk])
    assert again.status_code == 302
    refund = Refund.objects.get(order=order)
    assert (refund.reason, refund.note, refund.amount, refund.requested_by) == (
        "goodwill",
        "late train",
        Decimal("70.00"),
        "clerk",
    )
    assert list(refund.lines.values_list("position", flat=True)) == [2]
    created = OrderEvent.objects.get(subject_id=str(refund.pk), transition="refund.requested")
    assert (created.actor_kind, created.actor_label) == ("staff", "clerk")
    shown = [str(message) for message in get_messages(response.wsgi_request)]
    assert any("Refund of 70.00 EUR requested for line(s) 2" in message for message in shown)
    worker()
    assert Refund.objects.get(pk=refund.pk).status == "SUCCEEDED"


def test_refusals_come_back_as_form_errors_and_write_nothing(refunder, order):
    page = refunder.get(refund_url(order)).content.decode()
    key = form_key(page)
    # meanwhile the partner refunds line 1 through the API
    refund_request(
        order_id=order.pk,
        line_ids=[order.lines.get(position=1).pk],
        reason="requested",
        note="",
        actor=Actor.partner(order.partner),
        idempotency_key="partner",
    )

    nothing_chosen = refunder.post(refund_url(order), {"reason": "goodwill", "key": key})
    taken = refunder.post(
        refund_url(order), {"lines": line_ids(order, 1), "reason": "goodwill", "key": key, "confirmed": "yes"}
    )

    assert nothing_chosen.status_code == 200
    assert "Choose at least one line." in nothing_chosen.content.decode()
    assert taken.status_code == 200
    assert "cannot refund line 1: The line is already in a refund." in taken.content.decode()
    assert Refund.objects.filter(order=order).count() == 1
    # and the form now offers line 2 only
    offered = refunder.get(refund_url(order)).content.decode()
    assert offered.count('type="checkbox" name="lines"') == 1


def test_staff_without_the_permission_get_no_button_and_no_form(client, django_user_model, order):
    viewer = staff_client(client, django_user_model, "orders.view_order")

    page = viewer.get(reverse("admin:orders_order_change", args=[order.pk])).content.decode()
    form = viewer.get(refund_url(order))
    sent = viewer.post(
        refund_url(order),
        {"lines": line_ids(order, 1), "reason": "goodwill", "key": "0" * 32, "confirmed": "yes"},
    )

    assert refund_url(order) not in page
    assert (form.status_code, sent.status_code) == (403, 403)
    assert not Refund.objects.exists()


def test_an_order_with_nothing_to_refund_says_so(refunder, wallet_partner, worker):
    pending = factories.order(owner=wallet_partner, product_obj=factories.product(), quantity=1)

    page = refunder.get(refund_url(pending)).content.decode()

    assert "No line of this order can be refunded now" in page
    assert 'name="lines"' not in page


def test_the_money_owed_filter_finds_failed_gateway_refunds_and_staff_send_them_again(
    refunder, worker, django_assert_max_num_queries
):
    # given a gateway refund the provider failed, and a refund the supplier refused
    reset_script()
    gateway = delivered_by_gateway(factories.partner(gateway=True), factories.product(), worker=worker)
    refused = delivered(
        factories.partner(wallet="500.00"), factories.product(behaviour={"refund": "refuse"}), worker=worker
    )
    owed, nothing = (
        refund_request(
            order_id=o.pk,
            line_ids=None,
            reason="requested",
            note="",
            actor=Actor.system("t"),
            idempotency_key=k,
        )
        for o, k in ((gateway, "a"), (refused, "b"))
    )
    worker()
    refund_settle(refund_id=owed.pk, state="FAILED", reason="account closed", actor=Actor.system("bank"))
    assert Refund.objects.get(pk=nothing.pk).status == "FAILED"
    changelist = reverse("admin:payments_refund_changelist")

    # when staff filter the refunds whose money is owed
    with django_assert_max_num_queries(15):
        listed = refunder.get(changelist, {"owed": "yes"})

    # then only the gateway one is listed
    page = listed.content.decode()
    assert str(owed.pk) in page and str(nothing.pk) not in page

    # when they send its money again
    response = refunder.post(
        changelist, {"action": "send_money_again", "_selected_action": [str(owed.pk), str(nothing.pk)]}
    )

    # then one new refund goes to the provider, and the filter is empty
    assert response.status_code == 302
    again = Refund.objects.get(idempotency_key=f"retry-of:{owed.pk.hex}")
    assert (again.status, again.amount) == ("PROCESSING", owed.amount)
    assert Refund.objects.count() == 3
    assert str(owed.pk) not in refunder.get(changelist, {"owed": "yes"}).content.decode()
    reset_script()


def test_the_refund_page_shows_its_lines(refunder, order, worker):
    refund = refund_request(
        order_id=order.pk,
        line_ids=None,
        reason="requested",
        note="",
        actor=Actor.partner(order.partner),
        idempotency_key="k",
    )
    worker()

    page = refunder.get(reverse("admin:payments_refund_change", args=[refund.pk])).content.decode()

    assert "140.00 EUR" in page
    assert page.count("70.00 EUR") >= 2  # each line's amount
