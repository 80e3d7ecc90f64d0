"""``make run`` survives a dead worker: ``db_worker --processes N`` (Procfile.dev) keeps N worker
processes running, starting again one that is killed, and the parent (what honcho watches)
never exits because a worker did."""

import os
import signal
import subprocess
import sys

import pytest

from tessera.models import WorkerHeartbeat
from tests import factories, worker_processes
from tests.worker_processes import ROOT, wait_until

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.worker]


def live_workers() -> dict[str, int]:
    return dict(WorkerHeartbeat.objects.values_list("worker_id", "pid"))


def test_a_killed_worker_is_started_again_and_the_supervisor_keeps_running():
    # given the worker command of Procfile.dev with two processes
    env = {
        **os.environ,
        "DATABASE_URL": worker_processes.test_database_url(),
        "DEBUG": "1",
        "WORKER_HEARTBEAT_SECONDS": "0.3",
        "LOG_LEVEL": "WARNING",
    }
    log = open(ROOT / f".pytest-supervisor-{os.getpid()}.log", "w+")  # noqa: SIM115
    supervisor = subprocess.Popen(  # noqa: S603 - our own manage.py
        [
            sys.executable,
            "manage.py",
            "db_worker",
            "--no-reload",
            "--no-startup-delay",
            "--queue-name",
            "*",
            "--interval",
            "0.1",
            "--processes",
            "2",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        wait_until(lambda: len(live_workers()) == 2, timeout=60, what="two workers to beat")
        before = live_workers()

        # when one worker is killed
        victim_id, victim_pid = next(iter(before.items()))
        os.kill(victim_pid, signal.SIGKILL)

        # then a new worker takes its place, the other one and the supervisor run on
        wait_until(
            lambda: len(set(live_workers()) - set(before)) == 1,
            timeout=60,
            what="a new worker to start in the killed one's place",
        )
        assert supervisor.poll() is None
        assert set(before) - {victim_id} <= set(live_workers())

        # and the stack still does its work
        order = factories.order(owner=factories.partner(), product_obj=factories.product())
        wait_until(lambda: order.lines.get().status == "RESERVED", timeout=30, what="an order to be reserved")
    finally:
        supervisor.send_signal(signal.SIGTERM)
        try:
            supervisor.wait(timeout=60)
        except subprocess.TimeoutExpired:
            supervisor.kill()
        log.seek(0)
        output = log.read()
        log.close()
        os.unlink(log.name)
    assert "exited with signal SIGKILL" in output
    assert supervisor.returncode == 0
