"""The walk-through of docs/api.md, black-box: plain HTTP against a live server and a real worker."""

import json
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass
from decimal import Decimal
from email.message import Message
from io import StringIO

import pytest
from django.core.management import call_command

from tests.worker_processes import WorkerProcess

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.worker]

WAIT_SECONDS = 30
DEMO_CREDITS = Decimal("5000.00")


@dataclass
class Answer:
    status: int
    headers: Message
    body: dict


class Partner:
    """What a partner's integration has: a base URL, a key, and urllib."""

    def __init__(self, server_url: str, api_key: str) -> None:
        self.server_url = server_url
        self.api_key = api_key

    def call(self, method: str, path: str, body: dict | None = None, **headers: str) -> Answer:
        url = path if path.startswith("http") else self.server_url + path
        request = urllib.request.Request(  # noqa: S310 - the live test server
            url,
            data=json.dumps(body).encode() if body is not None else None,
            method=method,
            headers={"Authorization": f"Bearer {self.api_key}", "Accept": "application/json", **headers},
        )
        if body is not None:
            request.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
                return Answer(response.status, response.headers, json.loads(response.read()))
        except urllib.error.HTTPError as error:
            return Answer(error.code, error.headers, json.loads(error.read()))

    def get(self, path: str) -> Answer:
        return self.call("GET", path)

    def write(self, method: str, path: str, body: dict, *, key: str, **headers: str) -> Answer:
        return self.call(method, path, body, **{"Idempotency-Key": key, "X-Client-Name": "guide", **headers})

    def poll(self, path: str, done, what: str) -> dict:
        deadline = time.monotonic() + WAIT_SECONDS
        while time.monotonic() < deadline:
            answer = self.get(path)
            assert answer.status == 200, answer.body
            if done(answer.body):
                return answer.body
            time.sleep(0.1)
        raise AssertionError(f"after {WAIT_SECONDS}s still not {what}: {answer.body}")


def new_key() -> str:
    return str(uuid.uuid4())


def test_partner_follows_the_guide_from_quote_to_fulfilled_order_over_http(live_server):
    # Given the demo data, a key made the guide's way, and a real worker.
    call_command("seed_demo", stdout=StringIO())
    out = StringIO()
    call_command("create_api_key", "fjord-travel", "--name", "walk-through", "--quiet", stdout=out)
    partner = Partner(live_server.url, out.getvalue().strip())
    worker = WorkerProcess("walk", SANDBOX_TIME_SCALE="0")
    try:
        # 1. Find the instant flight among the sandbox-air products.
        products = partner.get("/api/v1/products?supplier=sandbox-air")
        assert products.status == 200, products.body
        flight = next(p for p in products.body["items"] if p["supplierReference"] == "AMS-LHR-TB201")

        # 2. Quote an offer.
        quote = {"productId": flight["id"], "quantity": 1}
        offer = partner.write("POST", "/api/v1/offers", quote, key=new_key())
        assert offer.status == 201, offer.body
        assert offer.body["total"] == flight["price"]

        # 3. Create the order: 202 and a Location to poll.
        create_key = new_key()
        order_body = {
            "offers": [offer.body["id"]],
            "travellers": [{"givenName": "Ada", "familyName": "Lovelace", "bornOn": "1990-12-10"}],
            "contact": {"name": "Ada Lovelace", "email": "ada@example.com"},
            "externalReference": "booking-1001",
            "metadata": {"agent": "desk-7"},
        }
        created = partner.write("POST", "/api/v1/orders", order_body, key=create_key)
        assert created.status == 202, created.body
        order_id = created.body["id"]
        location = created.headers["Location"]
        assert location == f"/api/v1/orders/{order_id}"
        assert created.body["status"] == "PENDING"
        assert created.headers["Idempotent-Replayed"] is None

        # The same request with the same key replays the first answer; no second order.
        replayed = partner.write("POST", "/api/v1/orders", order_body, key=create_key)
        assert replayed.status == 202
        assert replayed.headers["Idempotent-Replayed"] == "true"
        assert replayed.body["id"] == order_id
        assert replayed.headers["Location"] == location
        same_reference = partner.get("/api/v1/orders?externalReference=booking-1001")
        assert [item["id"] for item in same_reference.body["items"]] == [order_id]

        # 4. Poll until every line is RESERVED and finalize is offered.
        ready = partner.poll(
            location,
            lambda order: order["status"] != "PENDING" or "finalize" in order["availableActions"],
            "ready to finalize",
        )
        assert ready["status"] == "PENDING"
        assert {line["status"] for line in ready["lines"]} == {"RESERVED"}
        total = ready["total"]

        # 5. Finalize from the wallet with the expected total and our correlation id.
        correlation_id = f"walk-{uuid.uuid4().hex[:12]}"
        finalized = partner.write(
            "POST",
            f"{location}/finalize",
            {"method": "wallet", "expectedTotal": total["amount"]},
            key=new_key(),
            **{"X-Correlation-Id": correlation_id},
        )
        assert finalized.status == 200, finalized.body
        assert finalized.headers["X-Correlation-Id"] == correlation_id
        assert finalized.body["status"] == "PROCESSING"
        assert finalized.body["paymentMethod"] == "wallet"
        assert finalized.body["availableActions"] == []

        # 6. Poll until FULFILLED.
        done = partner.poll(location, lambda order: order["status"] != "PROCESSING", "out of PROCESSING")
        assert done["status"] == "FULFILLED"
        assert [line["status"] for line in done["lines"]] == ["ISSUED"]
        assert done["lines"][0]["supplierReference"]

        # 7. The audit trail shows the finalize, and the worker's fulfil, under our correlation id.
        events = partner.get(f"{location}/events")
        assert events.status == 200, events.body
        order_events = {
            event["transition"]: event for event in events.body["items"] if event["subjectType"] == "order"
        }
        finalize = order_events["order.finalized"]
        assert (finalize["fromStatus"], finalize["toStatus"]) == ("PENDING", "PROCESSING")
        assert finalize["correlationId"] == correlation_id
        assert finalize["actor"]["kind"] == "partner"
        assert order_events["order.fulfilled"]["correlationId"] == correlation_id
        assert order_events["order.fulfilled"]["actor"]["kind"] == "system"

        # 8. The wallet ledger shows the debit.
        ledger = partner.get("/api/v1/wallets/EUR/ledger?limit=1")
        assert ledger.status == 200, ledger.body
        [debit] = ledger.body["items"]
        balance = str(DEMO_CREDITS - Decimal(total["amount"]))
        assert debit["kind"] == "debit"
        assert debit["amount"] == {"amount": f"-{total['amount']}", "currency": "EUR"}
        assert debit["orderId"] == order_id
        assert debit["correlationId"] == correlation_id
        assert debit["balanceAfter"] == {"amount": balance, "currency": "EUR"}
        wallets = partner.get("/api/v1/wallets")
        assert wallets.body["items"][0]["balance"] == {"amount": balance, "currency": "EUR"}
    finally:
        worker.stop()
