"""Long-running processes freeze what start-up created and collect young objects less often."""

import gc
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command

from tessera.garbage_collection import YOUNG_THRESHOLD
from tessera.management.commands import db_worker

ROOT = Path(__file__).resolve().parent.parent
PROBE = (
    "import gc, sys, config.wsgi; "
    "print(gc.get_freeze_count(), gc.get_threshold()[0], 'config.api_urls' in sys.modules)"
)


def test_the_wsgi_application_starts_with_its_modules_frozen_and_the_urlconf_loaded():
    result = subprocess.run(  # noqa: S603 - our own module
        [sys.executable, "-c", PROBE],
        cwd=ROOT,
        env={**os.environ, "DEBUG": "1", "DJANGO_SETTINGS_MODULE": "config.settings"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    frozen, young_threshold, urlconf_loaded = result.stdout.split()
    assert int(frozen) > 50_000
    assert int(young_threshold) == YOUNG_THRESHOLD
    assert urlconf_loaded == "True"


@pytest.mark.django_db(transaction=True)
def test_a_batch_run_of_the_worker_leaves_the_callers_collector_alone():
    frozen, threshold = gc.get_freeze_count(), gc.get_threshold()
    call_command("db_worker", batch=True, verbosity=0, startup_delay=False, reload=False)
    assert (gc.get_freeze_count(), gc.get_threshold()) == (frozen, threshold)


@pytest.fixture
def restored_collector():
    """Give the test process its collector back as it was after a test settles it."""
    threshold = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*threshold)


def test_a_long_running_worker_settles_its_collector_before_taking_tasks(monkeypatch, restored_collector):
    seen_when_tasks_start = []

    def run_tasks(self, *args, **options):
        seen_when_tasks_start.append((gc.get_freeze_count() > 0, gc.get_threshold()[0]))

    monkeypatch.setattr(db_worker.Command, "_run_concurrently", run_tasks)
    call_command("db_worker", housekeeping=False, verbosity=0, startup_delay=False, reload=False)
    assert seen_when_tasks_start == [(True, YOUNG_THRESHOLD)]
