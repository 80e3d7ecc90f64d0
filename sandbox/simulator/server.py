"""The supplier simulator's HTTP server: one thread per request (a 30-second booking sleeps in
its own thread), its memory in one process, guarded by a lock.

Like a real supplier it is idempotent: a reserve or issue call repeated with the same
``Idempotency-Key`` gets the first answer again, and a line is issued once whatever the number
of issue calls (``issue_count`` tells tests how many times it really issued).

It takes exchanges as a supplier that supports them does: a line with ``replaces`` (an issued
line of its own) is held tied to that line, its issue cancels the old ticket in the same step
(the old line then reads REFUNDED, ``replaced_by`` names the new one), and its cancel releases
the hold and leaves the old ticket valid.
"""

import hashlib
import json
import logging
import random
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from sandbox.simulator.catalogue import MAX_LATENCY_SECONDS

logger = logging.getLogger(__name__)


@dataclass
class LineRecord:
    state: str = "NOT_FOUND"
    reference: str = ""
    kind: str = "ticket"
    issued_at: datetime | None = None
    issue_count: int = 0
    replaces: str = ""  # an exchange: the issued line it gives up when it is issued
    replaced_by: str = ""  # an exchanged-away line: the line that took its place


@dataclass
class SimulatorState:
    """What the simulator remembers, and how it behaves (changeable while it runs)."""

    catalogue: dict[str, dict]
    time_scale: float = 1.0
    outage: bool = False
    lines: dict[str, LineRecord] = field(default_factory=dict)
    answers: dict[tuple[str, str], tuple[int, dict]] = field(default_factory=dict)
    calls: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def behaviour(self, product: str) -> dict:
        return self.catalogue.get(product, {})

    def line(self, line_id) -> LineRecord:
        return self.lines.setdefault(str(line_id), LineRecord())


class Refused(Exception):  # noqa: N818 - an answer, not a bug
    def __init__(self, status: int, code: str, reason: str, headers: dict | None = None) -> None:
        super().__init__(reason)
        self.status, self.code, self.headers = status, code, headers or {}


def reference_of(seed: str) -> str:
    return "SIM" + hashlib.sha256(seed.encode()).hexdigest()[:12].upper()


def _items(kind: str, reference: str, line_id) -> list[dict]:
    digest = hashlib.sha256(f"{reference}:{line_id}".encode()).hexdigest()
    now = datetime.now(UTC)
    item = {
        "kind": "code" if kind == "voucher" else "ticket",
        "collectionReference": reference,
        "code": "-".join(digest[i : i + 4].upper() for i in range(0, 16, 4))
        if kind == "voucher"
        else f"TKT{int(digest[:10], 16)}",
        "validFrom": now.isoformat(),
        "validUntil": (now + timedelta(days=365)).isoformat(),
    }
    if kind == "voucher":
        item["pin"] = str(int(digest[16:24], 16))[:4]
        item["url"] = f"https://simulator.tessera.invalid/redeem/{digest[24:48]}"
    return [item]


class Protocol:
    """The protocol's operations on the state; each returns (HTTP status, JSON body)."""

    def __init__(self, state: SimulatorState) -> None:
        self.state = state

    def _before_call(self, behaviour: dict, operation: str) -> None:
        if behaviour.get("failure_rate") and random.random() < float(behaviour["failure_rate"]):  # noqa: S311
            raise Refused(503, "BUSY", f"{operation}: the supplier is overloaded, nothing was done")
        if behaviour.get("mode") == "server_error":
            raise Refused(500, "INTERNAL", "the supplier failed")
        if behaviour.get("mode") == "throttle":
            raise Refused(429, "THROTTLED", "too many requests", {"Retry-After": "7"})

    def _sleep(self, behaviour: dict) -> None:
        delay = min(float(behaviour.get("latency", 0)), MAX_LATENCY_SECONDS) * self.state.time_scale
        if delay > 0:
            time.sleep(delay)

    def reserve(self, body: dict) -> tuple[int, dict]:
        lines = body["lines"]
        behaviour = self.state.behaviour(lines[0]["product"])
        self._before_call(behaviour, "reserve")
        if behaviour.get("refuse") == "reserve":
            raise Refused(409, "SOLD_OUT", "Sold out on the requested departure.")
        reference = reference_of(body["booking"].rsplit(":", 1)[0])
        answers = []
        with self.state.lock:
            for line in lines:
                refusal = self._exchange_refusal(line)
                if refusal is not None:
                    answers.append(refusal)
                    continue
                record = self.state.line(line["line"])
                record.kind = line.get("kind", "ticket")
                if record.state == "NOT_FOUND":
                    record.state, record.reference = "RESERVED", reference
                    record.replaces = str(line["replaces"]["line"]) if line.get("replaces") else ""
                answers.append(self._reserved(line, reference))
        self._sleep(behaviour)
        return 200, {"reference": reference, "lines": answers}

    def _exchange_refusal(self, line: dict) -> dict | None:
        """An exchange the simulator will not hold (under the state's lock): the product refuses
        exchanges, or the line it replaces is not an issued ticket of this supplier."""
        if not line.get("replaces"):
            return None
        if self.state.behaviour(line["product"]).get("refuse") == "exchange":
            return _refused(line, "NOT_EXCHANGEABLE", "This ticket cannot be exchanged for that one.")
        old = self.state.lines.get(str(line["replaces"]["line"]))
        if old is None or old.state != "ISSUED":
            return _refused(line, "NOT_EXCHANGEABLE", "The ticket to exchange is not issued here.")
        return None

    def _reserved(self, line: dict, reference: str) -> dict:
        answer = {"line": line["line"], "status": "RESERVED", "reference": reference}
        if line.get("replaces"):
            answer["price"] = str(self.state.behaviour(line["product"]).get("exchange_price", "0.00"))
        return answer

    def issue(self, body: dict) -> tuple[int, dict]:
        lines = body["lines"]
        behaviour = self.state.behaviour(lines[0]["product"])
        self._before_call(behaviour, "issue")
        if behaviour.get("refuse") == "issue":
            raise Refused(409, "ISSUE_REFUSED", "The supplier could not issue this booking.")
        reference = reference_of(body["booking"].rsplit(":", 1)[0])
        answers = []
        with self.state.lock:
            for line in lines:
                record = self.state.line(line["line"])
                record.kind = line.get("kind", record.kind)
                if behaviour.get("partial") and int(line["position"]) % 2 == 0:
                    answers.append(_refused(line, "OUT_OF_STOCK", "Out of stock."))
                    continue
                if record.state not in {"ISSUED", "ISSUE_PENDING"}:
                    record.state = "ISSUE_PENDING" if behaviour.get("late") else "ISSUED"
                    record.reference = record.reference or reference
                    record.issued_at = datetime.now(UTC)
                    record.issue_count += 1
                    if record.replaces:
                        old = self.state.line(record.replaces)
                        old.state, old.replaced_by = "REFUNDED", str(line["line"])
                answers.append(self._issued(line["line"], record, behaviour))
        self._sleep(behaviour)
        return 200, {"reference": reference, "lines": answers}

    def _issued(self, line_id, record: LineRecord, behaviour: dict) -> dict:
        self._deliver_if_due(record, behaviour)
        if record.state == "ISSUE_PENDING":
            return {"line": line_id, "status": "PENDING", "reference": record.reference}
        return {
            "line": line_id,
            "status": "ISSUED",
            "reference": record.reference,
            "items": _items(record.kind, record.reference, line_id),
        }

    def _deliver_if_due(self, record: LineRecord, behaviour: dict) -> None:
        late = float(behaviour.get("late", 0)) * self.state.time_scale
        if record.state == "ISSUE_PENDING" and datetime.now(UTC) >= record.issued_at + timedelta(
            seconds=late
        ):
            record.state = "ISSUED"

    def cancel(self, body: dict) -> tuple[int, dict]:
        """Release a booking's lines; an issued line is refused alone (ask for a refund)."""
        answers = []
        with self.state.lock:
            for line in body["lines"]:
                record = self.state.line(line["line"])
                if record.state in {"ISSUED", "ISSUE_PENDING"}:
                    answers.append(_refused(line, "ALREADY_ISSUED", "Already issued; ask for a refund."))
                    continue
                record.state = "RELEASED"
                answers.append({"line": line["line"], "status": "RELEASED", "reference": record.reference})
        return 200, {"lines": answers}

    def refund(self, body: dict) -> tuple[int, dict]:
        """Refund a booking's issued lines; a line not issued is refused alone."""
        behaviour = self.state.behaviour(body["lines"][0]["product"])
        if behaviour.get("refuse") == "refund":
            raise Refused(409, "NOT_REFUNDABLE", "This fare is not refundable.")
        answers = []
        with self.state.lock:
            for line in body["lines"]:
                record = self.state.line(line["line"])
                if record.state not in {"ISSUED", "REFUNDED"}:
                    answers.append(_refused(line, "NOT_ISSUED", "Nothing issued to refund."))
                    continue
                record.state = "REFUNDED"
                answers.append(
                    {
                        "line": line["line"],
                        "status": "REFUNDED",
                        "refunded": line["amount"],
                        "fee": "0",
                        "reference": f"{record.reference}-R",
                    }
                )
        return 200, {"lines": answers}

    def status(self, body: dict) -> tuple[int, dict]:
        answers = []
        with self.state.lock:
            for line in body["lines"]:
                record = self.state.line(line["line"])
                self._deliver_if_due(record, self.state.behaviour(line.get("product", "")))
                answer = {"line": line["line"], "state": record.state, "reference": record.reference}
                if record.state == "ISSUED":
                    answer["items"] = _items(record.kind, record.reference, line["line"])
                answers.append(answer)
        return 200, {"lines": answers}


def _refused(line: dict, code: str, reason: str) -> dict:
    return {"line": line["line"], "status": "REFUSED", "code": code, "reason": reason}


IDEMPOTENT = {"/v1/reserve", "/v1/issue", "/v1/cancel", "/v1/refund"}


class Handler(BaseHTTPRequestHandler):
    server: "SimulatorServer"
    # One request per connection: a stopped simulator leaves no kept-alive connection still
    # answering from its handler thread.
    protocol_version = "HTTP/1.0"

    def log_message(self, format: str, *args) -> None:  # noqa: A002 - the base class's name
        logger.info("%s %s", self.address_string(), format % args)

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        if self.path == "/v1/ping":
            self._reply(200, {"supplier": "Tessera supplier simulator", "outage": self.server.state.outage})
        else:
            self._reply(404, {"code": "NOT_FOUND", "reason": self.path})

    def do_POST(self) -> None:  # noqa: N802 - http.server's name
        state = self.server.state
        length = int(self.headers.get("Content-Length") or 0)
        try:
            body = json.loads(self.rfile.read(length) or b"{}")
        except ValueError:
            return self._reply(400, {"code": "BAD_JSON", "reason": "the body is not JSON"})
        if self.path == "/_control":
            return self._control(body)
        operation = self.path.removeprefix("/v1/")
        handler = getattr(Protocol(state), operation, None) if self.path.startswith("/v1/") else None
        if handler is None:
            return self._reply(404, {"code": "NOT_FOUND", "reason": self.path})
        with state.lock:
            state.calls.append(operation)
        if state.outage:
            return self._reply(503, {"code": "OUTAGE", "reason": "the supplier is down"})
        key = self.headers.get("Idempotency-Key", "")
        if self.path in IDEMPOTENT and key:
            with state.lock:
                earlier = state.answers.get((self.path, key))
            if earlier is not None:
                return self._reply(*earlier)
        product = (body.get("lines") or [body])[0].get("product", "")
        behaviour = state.behaviour(product)
        try:
            status, answer = handler(body)
        except Refused as refused:
            return self._reply(
                refused.status, {"code": refused.code, "reason": str(refused)}, refused.headers
            )
        except (KeyError, TypeError, ValueError) as exc:
            return self._reply(400, {"code": "BAD_REQUEST", "reason": f"{type(exc).__name__}: {exc}"})
        if self.path in IDEMPOTENT and key:
            with state.lock:
                state.answers[(self.path, key)] = (status, answer)
        if behaviour.get("mode") == "malformed" and operation in {"reserve", "issue"}:
            return self._raw(200, b'{"reference": "SIM-broken", "lines": ')
        if behaviour.get("mode") == "slow_body" and operation in {"reserve", "issue"}:
            return self._reply(status, answer, slow=True)
        return self._reply(status, answer)

    def _control(self, body: dict) -> None:
        state = self.server.state
        with state.lock:
            if "outage" in body:
                state.outage = bool(body["outage"])
            for product, behaviour in (body.get("products") or {}).items():
                state.catalogue[product] = behaviour
            if "time_scale" in body:
                state.time_scale = float(body["time_scale"])
            calls = {operation: state.calls.count(operation) for operation in set(state.calls)}
        self._reply(
            200,
            {
                "outage": state.outage,
                "products": state.catalogue,
                "time_scale": state.time_scale,
                "calls": calls,
            },
        )

    def _reply(self, status: int, body: dict, headers: dict | None = None, *, slow: bool = False) -> None:
        self._raw(status, json.dumps(body).encode(), headers, slow=slow)

    def _raw(self, status: int, payload: bytes, headers: dict | None = None, *, slow: bool = False) -> None:
        self.send_response(HTTPStatus(status))
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        if slow:
            self.wfile.flush()
            time.sleep(MAX_LATENCY_SECONDS * self.server.state.time_scale)
        self.wfile.write(payload)


class SimulatorServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 256

    def __init__(self, address: tuple[str, int], state: SimulatorState) -> None:
        super().__init__(address, Handler)
        self.state = state
