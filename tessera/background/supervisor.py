"""``db_worker --processes N``: run N worker processes and start again any that dies.

A process manager such as honcho (``make run``) stops every process when one exits, so one
worker killed by the OOM killer or a crash took the web server down with it. Here one parent
process stays up and owns the workers: a worker that exits, whatever the reason, is started
again (after a pause that grows while it keeps dying at once), and its RUNNING tasks are
recovered by the survivors' heartbeat (tessera.background.recovery). SIGTERM or SIGINT to the
parent stops the workers gracefully and then the parent.
"""

import logging
import signal
import subprocess
import sys
import threading
import time
from types import FrameType

logger = logging.getLogger(__name__)

QUICK_DEATH_SECONDS = 10.0
MAX_RESTART_DELAY_SECONDS = 30.0
POLL_SECONDS = 0.5
STOP_TIMEOUT_SECONDS = 60.0


class Child:
    def __init__(self, number: int, command: list[str]) -> None:
        self.number = number
        self.command = command
        self.process: subprocess.Popen | None = None
        self.started_at = 0.0
        self.restart_delay = 1.0
        self.restart_at: float | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(self.command)  # noqa: S603 - our own manage.py
        self.started_at = time.monotonic()
        self.restart_at = None
        logger.info("worker %d started (pid %d)", self.number, self.process.pid)


class Supervisor:
    def __init__(self, command: list[str], count: int) -> None:
        self.children = [Child(number, command) for number in range(1, count + 1)]
        self.stopping = threading.Event()

    def run(self) -> int:
        signal.signal(signal.SIGTERM, self._stop)
        signal.signal(signal.SIGINT, self._stop)
        for child in self.children:
            child.start()
        while not self.stopping.is_set():
            for child in self.children:
                self._look_after(child)
            self.stopping.wait(POLL_SECONDS)
        return self._stop_children()

    def _look_after(self, child: Child) -> None:
        now = time.monotonic()
        if child.restart_at is not None:
            if now >= child.restart_at:
                child.start()
            return
        code = child.process.poll()
        if code is None:
            return
        lived = now - child.started_at
        child.restart_delay = (
            min(child.restart_delay * 2, MAX_RESTART_DELAY_SECONDS) if lived < QUICK_DEATH_SECONDS else 1.0
        )
        child.restart_at = now + child.restart_delay
        logger.warning(
            "worker %d (pid %d) exited with %s after %.0fs; starting it again in %.0fs",
            child.number,
            child.process.pid,
            _describe(code),
            lived,
            child.restart_delay,
        )

    def _stop(self, signum: int, frame: FrameType | None) -> None:
        if self.stopping.is_set():
            for child in self._alive():
                child.process.kill()
            sys.exit(1)
        logger.warning("%s: stopping the workers", signal.strsignal(signum))
        self.stopping.set()

    def _alive(self) -> list[Child]:
        return [child for child in self.children if child.process and child.process.poll() is None]

    def _stop_children(self) -> int:
        for child in self._alive():
            child.process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + STOP_TIMEOUT_SECONDS
        for child in self.children:
            if child.process is None:
                continue
            try:
                child.process.wait(timeout=max(deadline - time.monotonic(), 0.1))
            except subprocess.TimeoutExpired:
                child.process.kill()
        return 0


def _describe(code: int) -> str:
    if code < 0:
        return f"signal {signal.Signals(-code).name}"
    return f"code {code}"
