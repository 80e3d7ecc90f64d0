"""Database connections of threads that wait on the network."""

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection

_thread = threading.local()


def keep_between_tasks(keep: bool) -> None:
    """Mark this worker thread as one of the few that keep their connection open (the worker's
    first ``WORKER_DB_CONNECTIONS`` threads); the others give theirs back after each task and
    before each network wait."""
    _thread.keeps = keep


def keeps_connection() -> bool:
    return getattr(_thread, "keeps", False)


@contextmanager
def released_while_waiting() -> Iterator[None]:
    """Close this thread's database connection before a network wait, unless the thread is one
    of the worker's few that keep theirs.

    A worker runs many tasks at once on threads, each with its own connection; a thread waiting
    30 seconds on a supplier has no use for one, and a hundred such threads would exhaust
    PostgreSQL's connections. Django opens a new one on the next query. The keeping threads are
    bounded (``WORKER_DB_CONNECTIONS``) and hold theirs anyway between tasks, so closing theirs
    would only cost a reconnection per call: most of a short call's cost (a webhook to a receiver
    that answers in milliseconds). Inside a transaction the connection is kept: closing it would
    abandon the transaction.
    """
    if not connection.in_atomic_block and not keeps_connection():
        connection.close()
    yield
