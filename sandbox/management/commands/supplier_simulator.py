"""``manage.py supplier_simulator``: a supplier over real HTTP on loopback (sandbox.simulator)."""

import json
import logging
import signal
import subprocess
import sys
import threading

from django.core.management.base import BaseCommand

from sandbox.simulator.catalogue import DEMO
from sandbox.simulator.server import SimulatorServer, SimulatorState

logger = logging.getLogger(__name__)


class Command(BaseCommand):
    help = "Serve Tessera's supplier protocol (docs/supplier-protocol.md) as a simulated supplier"

    def add_arguments(self, parser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8001)
        parser.add_argument(
            "--catalogue",
            help="JSON file: product reference -> behaviour (sandbox/simulator/catalogue.py); "
            "default: the demo's products",
        )
        parser.add_argument(
            "--time-scale", type=float, default=1.0, help="Multiply every latency by this (default 1)."
        )
        parser.add_argument(
            "--in-stack",
            action="store_true",
            help="Serve from a child process, and stay up if it is stopped, so that a process manager "
            "that stops everything when one process ends (make run's honcho) keeps the rest running.",
        )

    def handle(
        self, *args, host: str, port: int, catalogue: str | None, time_scale: float, in_stack: bool, **options
    ) -> None:
        if in_stack:
            return self._serve_in_child()
        products = DEMO
        if catalogue:
            with open(catalogue) as source:
                products = json.load(source)
        server = SimulatorServer(
            (host, port), SimulatorState(catalogue=dict(products), time_scale=time_scale)
        )
        self.stdout.write(f"Supplier simulator on http://{host}:{port}/v1/ ({len(products)} products)")
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            server.server_close()

    def _serve_in_child(self) -> None:
        """Run this command without --in-stack as a child; when the child ends (someone stopped
        the simulator to see suppliers fail), say so and wait for SIGTERM or SIGINT."""
        command = [sys.executable, sys.argv[0], *[a for a in sys.argv[1:] if a != "--in-stack"]]
        child = subprocess.Popen(command)  # noqa: S603 - our own manage.py
        stopping = threading.Event()

        def stop(signum, frame) -> None:
            stopping.set()
            if child.poll() is None:
                child.terminate()

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        child.wait()
        if stopping.is_set():
            return
        logger.warning(
            "the supplier simulator stopped (%s); the rest goes on. Start it again with: %s",
            child.returncode,
            " ".join([".venv/bin/python", *command[1:]]),
        )
        stopping.wait()
