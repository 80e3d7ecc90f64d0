"""The load suite's stack, shared by its scenarios: one database, gunicorn, two db_workers.

LOAD_PROFILE picks the size: ``reduced`` (the default; what `.ci/run` runs, a few minutes) or
``full`` (`make reliability`). LOAD_SECONDS overrides the sustained traffic's duration.
LOAD_KEEP_DATABASE=1 keeps the run's database for re-checking afterwards
(``python -m tests.load.invariants <url>``); the logs, bodies and dump stay in var/load/<run>/.
"""

import os
import time
from dataclasses import dataclass

import pytest

from tests.load.stack import RUNS_DIR, Database, Stack, database_name
from tests.load.traffic import Recorder

SCAN_LAST = "test_secrets_scan.py"


@dataclass(frozen=True)
class Profile:
    name: str
    seconds: float  # sustained traffic
    clients: int
    web: int  # gunicorn worker processes
    workers: int  # db_worker processes
    drain_seconds: float  # how long the system may take to finish after the traffic stops
    restart_seconds: float  # traffic around the PostgreSQL restart


PROFILES = {
    "reduced": Profile(
        "reduced", seconds=60, clients=6, web=3, workers=2, drain_seconds=150, restart_seconds=30
    ),
    "full": Profile("full", seconds=600, clients=8, web=4, workers=2, drain_seconds=240, restart_seconds=90),
}


def current_profile() -> Profile:
    profile = PROFILES[os.environ.get("LOAD_PROFILE", "reduced")]
    if os.environ.get("LOAD_SECONDS"):
        profile = Profile(**{**profile.__dict__, "seconds": float(os.environ["LOAD_SECONDS"])})
    return profile


PROFILE = current_profile()
# Per test: the traffic, the drain, and room for starting processes on a busy machine.
TIMEOUT = int(PROFILE.seconds + PROFILE.drain_seconds + 600)


def pytest_collection_modifyitems(config, items):
    """The secrets scan reads what every other scenario left: it runs last."""
    items.sort(key=lambda item: item.path.name == SCAN_LAST)


@pytest.fixture(scope="session")
def profile() -> Profile:
    return PROFILE


@pytest.fixture(scope="session")
def run_dir():
    path = RUNS_DIR / time.strftime("%Y%m%d-%H%M%S")
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture(scope="session")
def stack(run_dir, profile):
    server = os.environ["DATABASE_URL"]
    database = Database(server, f"{database_name(server)}_load")
    running = Stack(database, run_dir / "main", web=profile.web, workers=profile.workers)
    running.prepare()
    running.start()
    yield running
    running.stop()
    if not os.environ.get("LOAD_KEEP_DATABASE"):
        database.drop()


@pytest.fixture(scope="session")
def recorder(stack):
    """Every answer the main stack's clients got, across scenarios (the secrets scan reads them)."""
    recording = Recorder(stack.run_dir / "bodies.jsonl")
    yield recording
    recording.close()
