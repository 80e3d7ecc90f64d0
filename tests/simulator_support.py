"""The supplier simulator (sandbox.simulator) served from a thread of the test process, and
suppliers that reach it over HTTP."""

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from sandbox.simulator.server import SimulatorServer, SimulatorState
from suppliers.models import Supplier
from tests import factories

# 0 picks a free port; SIMULATOR_TEST_PORT pins one (e.g. to stay in a port range).
PORT = int(os.environ.get("SIMULATOR_TEST_PORT", "0"))


@contextmanager
def running_simulator(catalogue: dict | None = None, *, time_scale: float = 1.0) -> Iterator[SimulatorServer]:
    server = SimulatorServer(
        ("127.0.0.1", PORT), SimulatorState(catalogue=dict(catalogue or {}), time_scale=time_scale)
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


def base_url(server: SimulatorServer) -> str:
    host, port = server.server_address[:2]
    return f"http://{host}:{port}"


def http_supplier(url: str, **fields) -> Supplier:
    supplier = factories.supplier(**fields)
    supplier.adapter = "http_json"
    supplier.settings = {"base_url": url}
    supplier.save()
    return supplier
