"""Voucher secrets never leak: not into logs, exceptions, audit payloads, task records, API error
bodies, nor the admin's list, search and detail pages.

One journey with codes the test knows: a partner orders gift cards through the API, the worker
delivers them, the partner reveals them, a tampered voucher makes a reveal fail, a line is
refunded (its voucher revoked), staff browse and search the back office. Then every place a
secret must not be is scanned for every spelling of every secret.
"""

import json
import logging
from urllib.parse import quote, quote_plus

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from orders.errors import VoucherNotRevealable
from orders.models import IdempotencyRecord, Order, OrderEvent, Voucher
from orders.services.reveal import reveal_for_staff
from orders.vouchers import mask_code, voucher_masked_code
from payments.models import RefundReason
from payments.services.refunds import refund_request
from sandbox import supplier as sandbox
from tessera.actors import Actor
from tessera.sealing import SealError, normalize_code
from tests.voucher_support import delivered_order, gift_card, vouchers_of

pytestmark = pytest.mark.django_db(transaction=True)

ADMIN_PAGES = ["order", "orderline", "voucher", "orderevent"]


def forms_of(secret: str) -> set[str]:
    return {secret, secret.lower(), secret.upper(), normalize_code(secret)}


def without_echo(response, typed: str) -> str:
    """A page without the search term the user typed (the search box and links repeat it)."""
    text = response.content.decode()
    for echo in filter(None, {typed, quote(typed), quote_plus(typed)}):
        text = text.replace(echo, "")
    return text


def leaked(text: str, secrets: list[str]) -> list[str]:
    return sorted({secret for secret in secrets for form in forms_of(secret) if form in text})


def test_secrets_never_reach_logs_exceptions_audit_tasks_error_bodies_or_admin_pages(
    api, other_api, worker, known_secrets, caplog, django_user_model
):
    caplog.set_level(logging.DEBUG)
    exceptions: list[BaseException] = []
    api.http.raise_request_exception = False

    # a partner orders three gift cards through the API; the worker delivers them
    order_id = api.create_order(gift_card(), quantity=3, travellers=[])["id"]
    worker()
    assert api.post(f"/orders/{order_id}/finalize", {"method": "wallet"}).status_code == 200
    worker()
    order = Order.objects.get(pk=order_id)
    assert order.status == "FULFILLED"
    vouchers = vouchers_of(order)
    secrets = [value for voucher in vouchers for value in known_secrets(voucher.line_id).values()]

    # the partner reads the order and reveals the codes (the one place they belong)
    assert api.get(f"/orders/{order_id}").status_code == 200
    revealed = api.get(f"/orders/{order_id}/vouchers").json()
    assert leaked(json.dumps(revealed), secrets), "the reveal itself must show the codes"

    # errors: another partner, a refused action, an unknown order, a tampered voucher (500)
    error_bodies = [
        other_api.get(f"/orders/{order_id}/vouchers"),
        api.post(f"/orders/{order_id}/cancel", {"reason": "too late"}),
        api.get("/orders/00000000-0000-0000-0000-000000000000/vouchers"),
    ]
    tampered = vouchers[2]
    blob = bytearray(tampered.code_sealed)
    blob[-1] ^= 1
    Voucher.objects.filter(pk=tampered.pk).update(code_sealed=bytes(blob))
    error_bodies.append(api.get(f"/orders/{order_id}/vouchers"))
    assert [response.status_code for response in error_bodies] == [404, 409, 404, 500]

    # a staff member without the permission tries; one with it meets the tampered voucher
    clerk = django_user_model.objects.create_user("clerk", is_staff=True)
    boss = django_user_model.objects.create_superuser("boss", password="pw")
    for attempt in (
        lambda: reveal_for_staff(voucher_id=vouchers[0].pk, user=clerk),
        lambda: reveal_for_staff(voucher_id=tampered.pk, user=boss),
    ):
        with pytest.raises((PermissionDenied, SealError)) as caught:
            attempt()
        exceptions.append(caught.value)

    # the first line is refunded, which revokes its voucher; then staff try to reveal it
    refund_request(
        order_id=order.pk,
        line_ids=[vouchers[0].line_id],
        reason=RefundReason.REQUESTED,
        note="",
        actor=Actor.partner(api.partner),
        idempotency_key="leak-refund",
        partner_id=api.partner.pk,
    )
    worker()
    with pytest.raises(VoucherNotRevealable) as caught:
        reveal_for_staff(voucher_id=vouchers[0].pk, user=boss)
    exceptions.append(caught.value)

    # staff browse and search the back office, searching even for a code itself
    browser = Client(raise_request_exception=False)
    browser.force_login(boss)
    admin_pages = []  # (response, what the staff member typed, which the page may echo)
    for model in ADMIN_PAGES:
        changelist = reverse(f"admin:orders_{model}_changelist")
        admin_pages.append((browser.get(changelist), ""))
        for secret in (secrets[0], secrets[1]):
            admin_pages.append((browser.get(changelist, {"q": secret}), secret))
    admin_pages.append((browser.get(reverse("admin:orders_order_change", args=[order.pk])), ""))
    admin_pages.append((browser.get(reverse("admin:orders_voucher_change", args=[vouchers[1].pk])), ""))
    assert {response.status_code for response, _ in admin_pages} == {200}

    # then no secret is in any of those places
    places = {
        "logs": caplog.text,
        "exceptions": "\n".join(f"{exc!s} {exc!r} {getattr(exc, 'context', '')}" for exc in exceptions),
        "audit payloads": json.dumps(list(OrderEvent.objects.values_list("payload", flat=True))),
        "audit rows": json.dumps([list(row) for row in OrderEvent.objects.values_list()], default=str),
        "task records": json.dumps([list(row) for row in DBTaskResult.objects.values_list()], default=str),
        "stored responses": json.dumps(
            [list(row) for row in IdempotencyRecord.objects.values_list()], default=str
        ),
        "error bodies": "\n".join(response.content.decode() for response in error_bodies),
        "admin pages": "\n".join(without_echo(response, typed) for response, typed in admin_pages),
    }
    assert {place: leaked(text, secrets) for place, text in places.items()} == dict.fromkeys(places, [])
    assert caplog.records, "the journey logged something, so the log check is not vacuous"


def test_what_a_supplier_hands_over_prints_without_its_secrets(known_secrets):
    # tracebacks and debuggers print dataclasses: the delivered item keeps its secrets to itself
    line = type("Line", (), {"pk": 7})()
    booking = type("Booking", (), {"booking_ref": "SBX1"})()
    (item,) = sandbox._items(line, booking)

    printed = f"{item!r} {item!s}"

    assert leaked(printed, list(known_secrets(7).values())) == []


@pytest.mark.parametrize(
    "code, masked",
    [
        ("ABCD-EFGH-JKLM-1234", "••••••1234"),
        ("abcd efgh jklm 1234", "••••••1234"),
        ("TKT1234567890", "••••••7890"),
        ("SHORT-123", "••••••"),
        ("AB12CD34E", "••••••"),
        ("", ""),
    ],
)
def test_a_masked_code_shows_at_most_its_last_four_and_only_when_eight_more_stay_hidden(code, masked):
    assert mask_code(code) == masked


def test_the_masked_code_of_a_voucher_is_its_codes_last_four(wallet_partner, worker, known_secrets):
    (voucher,) = vouchers_of(delivered_order(wallet_partner, worker))

    assert (
        voucher_masked_code(voucher) == "••••••" + normalize_code(known_secrets(voucher.line_id)["code"])[-4:]
    )
