"""Real threads for concurrency tests on PostgreSQL, each with its own database connection."""

import queue
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.db import connection

BARRIER_TIMEOUT = 60


@dataclass(frozen=True)
class Outcome:
    item: Any
    result: Any = None
    error: BaseException | None = None


def run_concurrently(call: Callable[[Any], Any], items: Iterable[Any], *, threads: int) -> list[Outcome]:
    """Call ``call(item)`` for every item from ``threads`` real threads released together.

    Each thread has its own database connection (Django's are per thread) and closes it when done,
    so at most ``threads`` connections are open at once however many items there are.
    """
    work: queue.Queue = queue.Queue()
    for item in items:
        work.put(item)
    barrier = threading.Barrier(threads, timeout=BARRIER_TIMEOUT)
    outcomes: list[Outcome] = []
    guard = threading.Lock()

    def run() -> None:
        try:
            barrier.wait()
            while True:
                try:
                    item = work.get_nowait()
                except queue.Empty:
                    return
                try:
                    outcome = Outcome(item, result=call(item))
                except Exception as exc:  # noqa: BLE001 - every failure is reported to the test
                    outcome = Outcome(item, error=exc)
                with guard:
                    outcomes.append(outcome)
        finally:
            connection.close()

    pool = [threading.Thread(target=run, name=f"concurrent-{n}") for n in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join(timeout=240)
        assert not thread.is_alive(), "a thread never finished (deadlock?)"
    return outcomes
