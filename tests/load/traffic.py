"""Partner traffic over real HTTP: clients that behave as integrations do, and a recorder of every
answer they got (counts, latencies, problem bodies, and the raw bodies for the secrets scan)."""

import http.client
import itertools
import json
import random
import re
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

PROBLEM_TYPE = "application/problem+json"
PROBLEM_MEMBERS = {"type", "title", "status", "detail", "errorCode", "fault", "retryable", "correlationId"}
ID_SEGMENT = re.compile(r"/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|\d+)(?=/|$)")
WRITE_DEADLINE_SECONDS = 120
MAX_RETRY_WAIT_SECONDS = 5
POLL_SECONDS = 0.25
READY_WAIT_SECONDS = 45


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: dict | list | None

    @property
    def code(self) -> str | None:
        return self.body.get("errorCode") if isinstance(self.body, dict) else None


class Recorder:
    """Every answer of a scenario. Bodies go to ``bodies_path`` (one per line), not to memory."""

    def __init__(self, bodies_path: Path) -> None:
        self.lock = threading.Lock()
        self.statuses: Counter = Counter()
        self.latencies: dict[str, list[float]] = {}
        self.bad_problems: list[str] = []
        self.no_answer = 0
        # Writes that met no answer or a 5xx on the way: how each ended, by route, status and code.
        self.after_trouble: Counter = Counter()
        self.started = time.monotonic()
        self.bodies = bodies_path.open("ab")

    def note(self, method: str, path: str, answer: Answer | None, raw: bytes, content_type: str, took: float):
        route = _route(method, path)
        with self.lock:
            if answer is None:
                self.no_answer += 1
                return
            self.statuses[(route, answer.status, answer.code)] += 1
            self.latencies.setdefault(route, []).append(took)
            self.bodies.write(raw.replace(b"\n", b" ") + b"\n")
            if answer.status >= 400:
                trouble = _problem_trouble(answer, content_type)
                if trouble:
                    self.bad_problems.append(f"{route} {answer.status}: {trouble}")

    def note_after_trouble(self, method: str, path: str, answer: "Answer | None") -> None:
        route = _route(method, path)
        with self.lock:
            self.after_trouble[(route, answer and answer.status, answer and answer.code)] += 1

    def close(self) -> None:
        self.bodies.close()

    def count(self, predicate) -> int:
        return sum(n for (route, status, code), n in self.statuses.items() if predicate(route, status, code))

    @property
    def requests(self) -> int:
        return sum(self.statuses.values()) + self.no_answer

    def server_errors(self) -> dict:
        return {key: n for key, n in self.statuses.items() if key[1] >= 500}

    def summary(self) -> str:
        lines = [f"{self.requests} requests ({self.no_answer} without an answer)"]
        for (route, status, code), n in sorted(self.statuses.items()):
            lines.append(f"  {n:7d}  {status} {code or ''}  {route}")
        for route, values in sorted(self.latencies.items()):
            values = sorted(values)
            p50, p95 = values[len(values) // 2], values[max(0, int(len(values) * 0.95) - 1)]
            lines.append(f"  {route:45} n={len(values):6d} p50={p50 * 1000:6.0f} ms p95={p95 * 1000:6.0f} ms")
        return "\n".join(lines)


def _url(path: str) -> str:
    return path if path.startswith("/api/") else f"/api/v1{path}"


def _route(method: str, path: str) -> str:
    """``POST /api/v1/orders/{id}/finalize``: what the counts are kept by, ids and query left out."""
    return f"{method} {ID_SEGMENT.sub('/{id}', _url(path).split('?')[0])}"


def _problem_trouble(answer: Answer, content_type: str) -> str:
    if content_type.split(";")[0].strip() != PROBLEM_TYPE:
        return f"content type {content_type!r}"
    if not isinstance(answer.body, dict):
        return "body is not a JSON object"
    missing = PROBLEM_MEMBERS - answer.body.keys()
    if missing:
        return f"missing {sorted(missing)}"
    if answer.body["status"] != answer.status:
        return f"status member {answer.body['status']}"
    return ""


class Client:
    """One integration's HTTP connection, holding its API key; writes retry as the guide says."""

    def __init__(self, base_url: str, api_key: str, recorder: Recorder, name: str = "load") -> None:
        parts = urlsplit(base_url)
        self.host, self.port = parts.hostname, parts.port
        self.api_key = api_key
        self.recorder = recorder
        self.name = name
        self.conn: http.client.HTTPConnection | None = None

    def request(self, method: str, path: str, body=None, headers: dict | None = None) -> Answer | None:
        """One request; None when no answer came (connection refused, reset, timeout)."""
        url = _url(path)
        all_headers = {
            "Authorization": f"Bearer {self.api_key}",
            "X-Client-Name": self.name,
            **(headers or {}),
        }
        payload = None
        if body is not None:
            payload = json.dumps(body).encode()
            all_headers["Content-Type"] = "application/json"
        started = time.monotonic()
        try:
            if self.conn is None:
                self.conn = http.client.HTTPConnection(self.host, self.port, timeout=60)
            self.conn.request(method, url, payload, all_headers)
            response = self.conn.getresponse()
            raw = response.read()
        except (OSError, http.client.HTTPException):
            self.close()
            self.recorder.note(method, url, None, b"", "", time.monotonic() - started)
            return None
        content_type = response.getheader("Content-Type", "")
        try:
            parsed = json.loads(raw) if raw and "json" in content_type else None
        except ValueError:
            parsed = None
        answer = Answer(response.status, {k.lower(): v for k, v in response.getheaders()}, parsed)
        self.recorder.note(method, url, answer, raw, content_type, time.monotonic() - started)
        return answer

    def get(self, path: str) -> Answer | None:
        return self.request("GET", path)

    def write(self, method: str, path: str, body: dict, *, key: str | None = None) -> Answer | None:
        """Send a write until it has a final answer, always with the same Idempotency-Key: again
        after no answer, a 5xx, 409 IDEMPOTENCY_KEY_IN_USE or 429 (after Retry-After)."""
        key = key or str(uuid.uuid4())
        deadline = time.monotonic() + WRITE_DEADLINE_SECONDS
        wait = 0.2
        troubled = False
        while True:
            answer = self.request(method, path, body, {"Idempotency-Key": key})
            troubled = troubled or answer is None or answer.status >= 500
            if (answer is not None and not _try_again(answer)) or time.monotonic() > deadline:
                if troubled:
                    self.recorder.note_after_trouble(method, path, answer)
                return answer
            if answer is not None and answer.headers.get("retry-after", "").isdigit():
                wait = float(answer.headers["retry-after"])
            time.sleep(min(wait, MAX_RETRY_WAIT_SECONDS))
            wait = min(wait * 2, MAX_RETRY_WAIT_SECONDS)

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None


def _try_again(answer: Answer) -> bool:
    return answer.status >= 500 or answer.status == 429 or answer.code == "IDEMPOTENCY_KEY_IN_USE"


# --- what a partner does ---------------------------------------------------------------------


@dataclass
class Tally:
    created: int = 0
    finalized: int = 0
    canceled: int = 0
    left_pending: int = 0
    refunds: int = 0
    lists: int = 0
    refused: Counter = field(default_factory=Counter)


def total(tallies: list[Tally]) -> Tally:
    summed = Tally()
    for tally in tallies:
        for name in ("created", "finalized", "canceled", "left_pending", "refunds", "lists"):
            setattr(summed, name, getattr(summed, name) + getattr(tally, name))
        summed.refused.update(tally.refused)
    return summed


class Partner(threading.Thread):
    """A partner integration busy until ``deadline``: quotes, creates, polls, finalizes by wallet,
    cancels, leaves some orders to expire, asks refunds of delivered orders, lists and reads."""

    def __init__(self, client: Client, products: list[dict], deadline: float, seed: int) -> None:
        super().__init__(daemon=True, name=f"partner-{client.name}")
        self.client = client
        self.products = [p for p in products if p["weight"] > 0]
        self.deadline = deadline
        self.rng = random.Random(seed)  # noqa: S311 - a repeatable mix, not a secret
        self.finalized: list[str] = []
        self.tally = Tally()
        self.crash: BaseException | None = None

    def run(self) -> None:
        try:
            while time.monotonic() < self.deadline:
                roll = self.rng.random()
                if roll < 0.6:
                    self.order_journey()
                elif roll < 0.75 and self.finalized:
                    self.refund_journey()
                else:
                    self.browse()
        except BaseException as exc:  # noqa: BLE001 - reported to the test
            self.crash = exc
        finally:
            self.client.close()

    def order_journey(self) -> None:
        product = self.rng.choices(self.products, weights=[p["weight"] for p in self.products])[0]
        quantity = product["quantity"]
        quote = {"productId": product["id"], "quantity": quantity}
        if product["denominations"]:
            quote["denomination"] = self.rng.choice(product["denominations"])
        offer = self.client.write("POST", "/offers", quote)
        if offer is None or offer.status != 201:
            self.tally.refused[("offer", offer and offer.code)] += 1
            return
        body = {
            "offers": [offer.body["id"]],
            "externalReference": f"load-{uuid.uuid4().hex[:12]}",
            "metadata": {"journey": self.name},
        }
        if product["travellers"]:
            body["travellers"] = [{"givenName": "Load", "familyName": f"T{n}"} for n in range(quantity)]
        created = self.client.write("POST", "/orders", body)
        if created is None or created.status != 202:
            self.tally.refused[("create", created and created.code)] += 1
            return
        self.tally.created += 1
        order = self.wait_until_ready(created.body["id"])
        if order is None or "finalize" not in order["availableActions"]:
            return
        roll = self.rng.random()
        path = f"/orders/{order['id']}"
        if roll < 0.75:
            if roll < 0.1:
                self.client.write("PATCH", path, {"metadata": {"journey": self.name, "edited": True}})
            body = {"method": "wallet", "expectedTotal": order["total"]["amount"]}
            answer = self.client.write("POST", f"{path}/finalize", body)
            if answer is not None and answer.status == 200:
                self.tally.finalized += 1
                self.finalized.append(order["id"])
            else:
                self.tally.refused[("finalize", answer and answer.code)] += 1
        elif roll < 0.9:
            answer = self.client.write("POST", f"{path}/cancel", {"reason": "load test"})
            if answer is not None and answer.status == 200:
                self.tally.canceled += 1
        else:
            self.tally.left_pending += 1

    def wait_until_ready(self, order_id: str) -> dict | None:
        until = min(self.deadline + 5, time.monotonic() + READY_WAIT_SECONDS)
        while time.monotonic() < until:
            answer = self.client.get(f"/orders/{order_id}")
            if answer is not None and answer.status == 200:
                order = answer.body
                if order["status"] != "PENDING" or "finalize" in order["availableActions"]:
                    return order
            time.sleep(POLL_SECONDS)
        return None

    def refund_journey(self) -> None:
        order_id = self.rng.choice(self.finalized)
        answer = self.client.get(f"/orders/{order_id}")
        if answer is None or answer.status != 200 or "refund" not in answer.body["availableActions"]:
            return
        body = {"reason": "requested", "note": "load test"}
        if self.rng.random() < 0.4:
            issued = [line["position"] for line in answer.body["lines"] if line["status"] == "ISSUED"]
            if issued:
                body["lines"] = [self.rng.choice(issued)]
        refund = self.client.write("POST", f"/orders/{order_id}/refunds", body)
        if refund is not None and refund.status == 202:
            self.tally.refunds += 1
        else:
            self.tally.refused[("refund", refund and refund.code)] += 1

    def browse(self) -> None:
        self.tally.lists += 1
        pages = [
            "/orders?status=in:PROCESSING,FULFILLED,PARTIALLY_FULFILLED&limit=20",
            "/orders?orderBy=totalAmount&sortBy=asc&totalAmount=gte:20&limit=10",
            f"/orders?externalReference=load-{uuid.uuid4().hex[:12]}",
            "/wallets",
            "/wallets/EUR/ledger?limit=10",
            "/products",
        ]
        self.client.get(self.rng.choice(pages))
        if self.finalized:
            order_id = self.rng.choice(self.finalized)
            self.client.get(self.rng.choice([f"/orders/{order_id}", f"/orders/{order_id}/events"]))


def start_partners(
    base_url: str,
    world: dict,
    recorder: Recorder,
    *,
    count: int,
    deadline: float,
    name: str,
    partners: list[dict] | None = None,
    first_seed: int = 0,
) -> list[Partner]:
    """``count`` partner integrations (``<name>-<n>``) busy until ``deadline``, started: each on
    its own seed, taking ``partners`` (the world's, by default) in turn."""
    keys = itertools.cycle(partners or world["partners"])
    clients = [
        Partner(
            Client(base_url, partner["key"], recorder, f"{name}-{n}"),
            world["products"],
            deadline,
            first_seed + n,
        )
        for n, partner in zip(range(count), keys, strict=False)
    ]
    for client in clients:
        client.start()
    return clients
