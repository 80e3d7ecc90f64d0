"""Helpers for gateway tests: a gateway partner's order ready to pay (or paid), a customer's browser,
and the sandbox bank's callbacks delivered to Tessera through the test client instead of the network."""

from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client

from orders.models import Order
from orders.services import fulfilment
from payments.providers.base import PaymentState
from payments.services import gateway
from payments.services.checkout import checkout_open
from sandbox import bank as sandbox_bank
from tessera.actors import Actor
from tests import factories

RETURN_URL = "https://partner.example/thanks?lang=en"


def path_of(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def reserved_order(
    *, owner=None, product_obj=None, quantity: int = 1, denomination: str | None = None, checkout: bool = True
) -> Order:
    """A gateway partner's PENDING order with every line RESERVED and, by default, checkout open."""
    owner = owner or factories.partner(gateway=True)
    product_obj = product_obj or factories.product()
    order = factories.order(
        owner=owner, product_obj=product_obj, quantity=quantity, denomination=denomination
    )
    return make_ready(order, checkout=checkout)


def make_ready(order: Order, *, checkout: bool = True) -> Order:
    """Reserve every line of a new order (as the worker would) and open checkout for it."""
    for line_id in order.lines.values_list("pk", flat=True):
        fulfilment.line_reserve(line_id=line_id)
    if checkout:
        owner = order.partner
        checkout_open(
            order_id=order.pk, partner_id=owner.pk, return_url=RETURN_URL, actor=Actor.partner(owner)
        )
    return Order.objects.get(pk=order.pk)


def paid(order: Order, *, issue: bool = True) -> Order:
    """Pay a ready order through the provider's word (no bank page, no callback) and, by default,
    issue its lines as the worker would."""
    payment = gateway.payment_start(order_id=order.pk)
    gateway.payment_apply_state(
        payment_id=payment.pk, state=PaymentState.PAID, actor=Actor.system("tests"), source="test"
    )
    if issue:
        for line_id in order.lines.values_list("pk", flat=True):
            fulfilment.line_issue(line_id=line_id)
    return Order.objects.get(pk=order.pk)


class Customer:
    """The customer's browser, on Tessera's pages and on the sandbox bank's."""

    def __init__(self, order: Order) -> None:
        self.order = order
        self.http = Client()

    def url(self, page: str = "") -> str:
        return f"/checkout/{self.order.order_key}/{page}"

    def open(self, page: str = ""):
        return self.http.get(self.url(page))

    def click_pay(self) -> str:
        """Press Pay on the checkout page; the bank page's path it is sent to."""
        response = self.http.post(self.url("pay"))
        assert response.status_code == 302, response.content
        return path_of(response["Location"])

    def decide(self, bank_path: str, decision: str):
        return self.http.post(bank_path.rstrip("/") + "/decide", {"decision": decision})

    def pay(self, decision: str = "pay") -> str:
        """Pay (or fail, or cancel) at the bank; the path of Tessera's return it is sent back to."""
        response = self.decide(self.click_pay(), decision)
        assert response.status_code == 302, response.content
        return path_of(response["Location"])

    def come_back(self, return_path: str):
        return self.http.get(return_path)


def returned_key(location: str) -> str:
    return parse_qs(urlsplit(location).query)["return"][-1]


class CallbackRecorder:
    """Stands in for the network between the sandbox bank and Tessera: every callback the bank
    sends is POSTed to Tessera through the test client (or held back, to deliver later)."""

    def __init__(self) -> None:
        self.http = Client()
        self.sent: list[tuple[str, bytes, dict]] = []
        self.answers: list[int] = []
        self.hold = False

    def post(self, url: str, body: bytes, headers: dict[str, str]) -> int:
        self.sent.append((url, body, headers))
        if self.hold:
            raise OSError("connection refused (held back by the test)")
        return self.deliver(url, body, headers)

    def deliver(self, url: str, body: bytes, headers: dict[str, str]) -> int:
        extra = {name: value for name, value in headers.items() if name.lower() != "content-type"}
        response = self.http.post(path_of(url), data=body, content_type="application/json", headers=extra)
        self.answers.append(response.status_code)
        return response.status_code


@pytest.fixture
def callbacks(monkeypatch) -> CallbackRecorder:
    recorder = CallbackRecorder()
    monkeypatch.setattr(sandbox_bank, "post", recorder.post)
    return recorder
