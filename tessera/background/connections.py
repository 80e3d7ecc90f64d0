"""Database connections of threads that wait on the network."""

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection


@contextmanager
def released_while_waiting() -> Iterator[None]:
    """Close this thread's database connection before a long network wait.

    A worker runs many tasks at once on threads, each with its own connection; a thread waiting
    30 seconds on a supplier has no use for one, and a hundred such threads would exhaust
    PostgreSQL's connections. Django opens a new one on the next query. Inside a transaction
    the connection is kept: closing it would abandon the transaction.
    """
    if not connection.in_atomic_block:
        connection.close()
    yield
