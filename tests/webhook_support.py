"""A local webhook receiver for tests: a tiny HTTP server in a thread on 127.0.0.1 that records
every POST and answers with the statuses it is told to, in turn (the last one from then on)."""

import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tests.conftest import run_worker
from webhooks.models import DeliveryState, WebhookDelivery


@dataclass
class Received:
    headers: dict
    body: bytes
    at: float


@dataclass
class Receiver:
    url: str
    answers: list[tuple[int, dict]] = field(default_factory=lambda: [(200, {})])
    received: list[Received] = field(default_factory=list)

    def answer(self, *answers: int | tuple[int, dict]) -> None:
        """Answer with these statuses (or (status, headers)) in turn, the last one from then on."""
        self.answers = [item if isinstance(item, tuple) else (item, {}) for item in answers]

    def next_answer(self) -> tuple[int, dict]:
        return self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]


def start_receiver() -> tuple[Receiver, ThreadingHTTPServer]:
    receiver = Receiver(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 - the name http.server calls
            body = self.rfile.read(int(self.headers.get("content-length", 0)))
            receiver.received.append(Received(dict(self.headers), body, time.monotonic()))
            status, headers = receiver.next_answer()
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("content-length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    receiver.url = f"http://127.0.0.1:{server.server_address[1]}/hooks"
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return receiver, server


@pytest.fixture
def receiver():
    found, server = start_receiver()
    yield found
    server.shutdown()
    server.server_close()


def deliver_until_settled(timeout: float = 10.0) -> None:
    """Run the worker until no delivery is PENDING (retries come due on the shrunk schedule)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        run_worker(max_rounds=50)
        if not WebhookDelivery.objects.filter(state=DeliveryState.PENDING).exists():
            return
        time.sleep(0.05)
    raise AssertionError("deliveries still pending after the timeout")
