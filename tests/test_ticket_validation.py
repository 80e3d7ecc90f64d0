"""Checking a ticket at the door: genuine or not, valid now or why not, and nothing else of the order.

Through the service, the admin page and the JSON endpoint for scanners, both behind the
``orders.validate_ticket`` permission (session login and CSRF, like the rest of the admin).
"""

import itertools
import json
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.test import Client

from orders.models import OrderEvent, Voucher
from orders.services.revocation import voucher_revoke
from orders.services.ticket_validation import TicketResult, ticket_check
from orders.ticket_signing import ticket_payload
from payments.services.refunds import refund_request
from tessera.actors import Actor
from tests.ticket_support import delivered_order, lines_of, train

pytestmark = pytest.mark.django_db(transaction=True)

DOOR = Actor.system("door")
PAGE = "/admin/tickets/validate/"
JSON_URL = "/admin/tickets/validate.json"
GATES = itertools.count(1)


@pytest.fixture
def ticket(wallet_partner, worker):
    """The first ticket of a delivered order of two train tickets, valid now, and its line."""
    order = delivered_order(wallet_partner, train(departs_in=timedelta(hours=1)), worker=worker, quantity=2)
    line = lines_of(order)[0]
    return line.voucher, line


def during(line):
    return line.starts_at


def forged(payload: str) -> str:
    version, voucher_hex, until, signature = payload.split(".")
    return ".".join([version, voucher_hex, str(int(until) + 86_400), signature])


# --- the answers ------------------------------------------------------------------------------------


def test_a_genuine_ticket_inside_its_validity_is_valid_with_what_the_door_needs(ticket):
    voucher, line = ticket

    check = ticket_check(payload=ticket_payload(voucher), actor=DOOR, now=during(line))

    assert (check.result, check.genuine, check.valid) == (TicketResult.VALID, True, True)
    assert (check.product, check.traveller) == (line.description, "Ada Traveller0")
    assert (check.valid_from, check.valid_until) == (voucher.valid_from, voucher.valid_until)


@pytest.mark.parametrize(
    "when, result",
    [
        (lambda voucher: voucher.valid_from - timedelta(seconds=1), TicketResult.NOT_YET_VALID),
        (lambda voucher: voucher.valid_until, TicketResult.EXPIRED),
        (lambda voucher: voucher.valid_until + timedelta(days=1), TicketResult.EXPIRED),
    ],
)
def test_a_genuine_ticket_outside_its_validity_is_not_valid(ticket, when, result):
    voucher, _ = ticket

    check = ticket_check(payload=ticket_payload(voucher), actor=DOOR, now=when(voucher))

    assert (check.result, check.genuine, check.valid) == (result, True, False)


def test_a_revoked_ticket_is_not_valid(ticket):
    voucher, line = ticket
    voucher_revoke(voucher_id=voucher.pk, reason="reported stolen", actor=DOOR)

    check = ticket_check(payload=ticket_payload(voucher), actor=DOOR, now=during(line))

    assert (check.result, check.valid) == (TicketResult.REVOKED, False)


def test_a_refunded_ticket_is_not_valid(ticket, worker):
    voucher, line = ticket
    refund_request(
        order_id=line.order_id,
        line_ids=[line.pk],
        reason="requested",
        note="",
        actor=DOOR,
        idempotency_key="refund-at-the-door",
    )
    worker()

    check = ticket_check(payload=ticket_payload(voucher), actor=DOOR, now=during(line))

    assert (check.result, check.valid) == (TicketResult.REFUNDED, False)


def test_a_forged_payload_is_not_genuine_says_nothing_and_leaves_no_trace_on_the_order(ticket):
    voucher, line = ticket
    events_before = OrderEvent.objects.filter(order_id=line.order_id).count()

    check = ticket_check(payload=forged(ticket_payload(voucher)), actor=DOOR, now=during(line))

    assert (check.result, check.genuine, check.valid) == (TicketResult.NOT_GENUINE, False, False)
    assert check.as_json() == {
        "result": "not_genuine",
        "genuine": False,
        "valid": False,
        "message": "Not genuine: Tessera did not make this code, or it was altered.",
    }
    assert OrderEvent.objects.filter(order_id=line.order_id).count() == events_before


def test_a_signed_payload_for_a_ticket_tessera_does_not_hold_is_not_valid(ticket):
    voucher, line = ticket
    unknown = Voucher(id=voucher.pk.__class__(int=voucher.pk.int ^ 1), valid_until=voucher.valid_until)

    check = ticket_check(payload=ticket_payload(unknown), actor=DOOR, now=during(line))

    assert (check.result, check.genuine, check.valid, check.product) == (
        TicketResult.UNKNOWN,
        True,
        False,
        "",
    )


def test_the_answer_holds_only_the_tickets_door_facts_never_the_order(ticket):
    voucher, line = ticket
    order = line.order

    body = ticket_check(payload=ticket_payload(voucher), actor=DOOR, now=during(line)).as_json()

    assert set(body) == {"result", "genuine", "valid", "message", "ticket"}
    assert set(body["ticket"]) == {"product", "traveller", "validFrom", "validUntil"}
    text = json.dumps(body)
    for private in (order.reference, str(order.pk), order.order_key, order.contact_email, "Traveller1"):
        assert private not in text


def test_every_check_of_a_genuine_ticket_is_recorded_on_its_order(ticket):
    voucher, line = ticket

    ticket_check(payload=ticket_payload(voucher), actor=DOOR, now=during(line))
    ticket_check(payload=ticket_payload(voucher), actor=DOOR, now=voucher.valid_until)

    events = OrderEvent.objects.filter(order_id=line.order_id, transition="voucher.checked").order_by("pk")
    assert [(e.subject_id, e.actor_label, e.payload) for e in events] == [
        (str(voucher.pk), "door", {"line": 1, "result": "valid"}),
        (str(voucher.pk), "door", {"line": 1, "result": "expired"}),
    ]


# --- the admin page and the scanners' endpoint ------------------------------------------------------


def staff_client(*codenames: str, csrf: bool = False) -> Client:
    user = get_user_model().objects.create_user(f"gate-{next(GATES)}", password="pw", is_staff=True)
    for codename in codenames:
        user.user_permissions.add(Permission.objects.get(codename=codename))
    client = Client(enforce_csrf_checks=csrf)
    client.force_login(user)
    return client


def test_staff_with_the_permission_check_a_ticket_on_the_admin_page(ticket):
    voucher, line = ticket
    client = staff_client("validate_ticket")

    form = client.get(PAGE)
    answer = client.post(PAGE, {"payload": ticket_payload(voucher)})
    refused = client.post(PAGE, {"payload": forged(ticket_payload(voucher))})

    assert form.status_code == 200 and b"Check a ticket" in form.content
    page = answer.content.decode()
    assert 'data-result="valid"' in page
    assert "Ada Traveller0" in page and line.description in page
    assert 'data-result="not_genuine"' in refused.content.decode()
    assert "Ada Traveller0" not in refused.content.decode()


def test_the_page_is_for_staff_holding_the_permission_only(ticket):
    voucher, _ = ticket

    anonymous = Client().get(PAGE)
    without = staff_client()

    assert anonymous.status_code == 302 and "/admin/login/" in anonymous["Location"]
    assert without.get(PAGE).status_code == 403
    assert without.post(PAGE, {"payload": ticket_payload(voucher)}).status_code == 403
    assert not OrderEvent.objects.filter(transition="voucher.checked").exists()


def post_json(client: Client, body, headers: dict | None = None):
    return client.post(
        JSON_URL, data=json.dumps(body), content_type="application/json", headers=headers or {}
    )


def test_scanners_post_the_payload_as_json_and_get_the_check_back(ticket):
    voucher, _ = ticket
    client = staff_client("validate_ticket")

    response = post_json(client, {"payload": ticket_payload(voucher)})

    assert response.status_code == 200
    body = response.json()
    assert (body["result"], body["valid"], body["ticket"]["traveller"]) == ("valid", True, "Ada Traveller0")
    assert post_json(client, {"payload": forged(ticket_payload(voucher))}).json()["result"] == "not_genuine"


@pytest.mark.parametrize("body", [{"code": "x"}, {"payload": ""}, {"payload": 42}, ["TQ1"], "not json"])
def test_scanners_get_400_for_a_body_without_a_payload(ticket, body):
    client = staff_client("validate_ticket")
    data = body if isinstance(body, str) else json.dumps(body)

    response = client.post(JSON_URL, data=data, content_type="application/json")

    assert response.status_code == 400


def test_the_json_endpoint_needs_a_login_the_permission_and_the_csrf_token(ticket):
    voucher, _ = ticket
    payload = {"payload": ticket_payload(voucher)}
    guarded = staff_client("validate_ticket", csrf=True)

    assert post_json(Client(), payload).status_code == 401
    assert post_json(staff_client(), payload).status_code == 403
    assert post_json(guarded, payload).status_code == 403  # no CSRF token
    guarded.get(PAGE)  # the page sets the CSRF cookie a scanner app reads
    token = guarded.cookies["csrftoken"].value
    assert post_json(guarded, payload, {"X-CSRFToken": token}).status_code == 200
    assert guarded.get(JSON_URL).status_code == 405
