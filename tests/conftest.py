"""Shared fixtures. Tests run on SQLite by default and on PostgreSQL when DATABASE_URL says so."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import connection
from django_tasks_db.models import DBTaskResult

from payments import invoice_documents
from tests import factories
from tests.invoicing_support import RecordingDocument


@pytest.fixture(autouse=True)
def fast_sandbox(settings):
    """Sandbox latencies and retry delays shrink so the real lifecycle runs in milliseconds.

    The demo's suppliers stay in-process: `make test` inherits the Makefile's
    SUPPLIER_SIMULATOR_URL (meant for `make run`), and no simulator listens during a test
    unless the test starts one and says so."""
    settings.SANDBOX_TIME_SCALE = 0.0
    settings.SUPPLIER_SIMULATOR_URL = ""
    settings.TASK_RETRY_BASE_SECONDS = 0.0
    settings.TASK_RETRY_MAX_DELAY_SECONDS = 0.0
    settings.WEBHOOK_DISPATCH_DELAY = timedelta(0)
    settings.WEBHOOK_FEED_SETTLE = timedelta(0)


def is_postgres() -> bool:
    return connection.vendor == "postgresql"


def pytest_collection_modifyitems(config, items):
    if is_postgres():
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL")
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)


def run_worker(max_rounds: int = 20) -> None:
    """Run the real db_worker until no task is ready (tasks may enqueue more tasks)."""
    for _ in range(max_rounds):
        if not DBTaskResult.objects.ready().exists():
            return
        call_command("db_worker", batch=True, verbosity=0, startup_delay=False, reload=False)
    raise AssertionError(f"tasks kept coming after {max_rounds} worker rounds")


@pytest.fixture
def worker():
    """Call ``worker()`` to drain the task queue through the real worker."""
    return run_worker


@pytest.fixture
def wallet_partner(db):
    return factories.partner(wallet="1000.00")


@pytest.fixture
def invoice_partner(db):
    return factories.partner(invoice=True)


pytest_plugins = [
    "tests.api_support",
    "tests.gateway_support",
    "tests.voucher_support",
    "tests.webhook_support",
]


@pytest.fixture
def recorded(monkeypatch) -> list:
    """What the invoice PDFs written in the test were given: ("facts", rows) and ("table", rows)."""
    RecordingDocument.written = []
    monkeypatch.setattr(invoice_documents, "Document", RecordingDocument)
    return RecordingDocument.written
