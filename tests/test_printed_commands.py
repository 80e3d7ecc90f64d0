"""Every command README.md and `make run`'s banner print works pasted as is into a fresh shell
in the checkout (no DEBUG, no other setting), on a fresh database, while task workers and the
supplier simulator run as under `make run` (the simulator on a free port, as `SIMULATOR_PORT`
would put it, its latencies made instant).

Left out, each for a reason: `make run` itself (it serves until stopped; its banner's commands
are run here instead), `make test` (this suite), and the PostgreSQL section's commands (they
create and use a shared server's database `tessera`).
"""

import os
import re
import socket
import subprocess
import sys
import time

import pytest

from tests.worker_processes import ROOT

pytestmark = pytest.mark.worker

NOT_RUN = {
    "make run": "serves until stopped; its banner's commands are run here",
    "make test": "this suite",
    "createdb": "creates a database on the shared PostgreSQL server",
    "DATABASE_URL=postgres": "uses the shared PostgreSQL server's database tessera",
}
# What a fresh shell does not have: Tessera's own settings a developer may have exported.
TESSERA_VARIABLES = re.compile(
    r"^(DEBUG|DATABASE_URL|PUBLIC_BASE_URL|HOST|PORT|WORKERS|SECRET_KEY|SUPPLIER_SIMULATOR_URL|PYTEST_.*)$"
)


def code_block_commands(markdown: str) -> list[str]:
    """The shell commands of the ```sh blocks: one per line, the comment after it dropped."""
    commands = []
    for block in re.findall(r"^```sh\n(.*?)^```", markdown, re.MULTILINE | re.DOTALL):
        for line in block.splitlines():
            command = line.split("  #")[0].strip()
            if command and not command.startswith("#"):
                commands.append(command)
    return commands


def banner_commands() -> list[str]:
    """The commands `make run` prints (its banner's indented `make ...` lines)."""
    banner = subprocess.run(
        ["make", "-n", "run", "-o", ".venv/.installed", "-o", "demo"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return re.findall(r'^echo "    (make [^"]+)"$', banner, re.MULTILINE)


def printed_commands() -> list[str]:
    commands = code_block_commands((ROOT / "README.md").read_text()) + banner_commands()
    kept = [c for c in commands if not any(c.startswith(prefix) for prefix in NOT_RUN)]
    return list(dict.fromkeys(kept))


def test_the_readme_and_the_banner_print_the_commands_looked_for():
    commands = printed_commands()

    assert "make key PARTNER=fjord-travel" in commands
    assert sum(command.startswith("make demo-order ") for command in commands) >= 9
    assert not [c for c in commands if "manage.py" in c and "DEBUG=1" not in c], "a command needing DEBUG"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def fresh_shell(tmp_path):
    """The environment of a new terminal, with a database of its own (a fresh SQLite file) and
    the simulator's address `make run` would have given it (the Makefile's SUPPLIER_SIMULATOR_URL)."""
    env = {name: value for name, value in os.environ.items() if not TESSERA_VARIABLES.match(name)}
    database = f"sqlite:///{tmp_path / 'fresh.sqlite3'}"
    simulator = f"http://127.0.0.1:{free_port()}"
    return {**env, "DATABASE_URL": database, "SUPPLIER_SIMULATOR_URL": simulator}


@pytest.fixture
def simulator(fresh_shell):
    """The supplier simulator `make run` starts (Procfile.dev), answering at once."""
    port = fresh_shell["SUPPLIER_SIMULATOR_URL"].rsplit(":", 1)[1]
    process = subprocess.Popen(  # noqa: S603
        [sys.executable, "manage.py", "supplier_simulator", "--port", port, "--time-scale", "0"],
        cwd=ROOT,
        env={**fresh_shell, "DEBUG": "1"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", int(port)), timeout=1).close()
            break
        except OSError:
            time.sleep(0.2)
    yield
    process.terminate()
    process.wait(timeout=30)


@pytest.fixture
def workers(fresh_shell, simulator):
    """Task workers as `make run` starts them (Procfile.dev), sandbox latencies made instant and
    reconciliation frequent so that every demo settles within seconds."""
    subprocess.run(["make", "demo-data"], cwd=ROOT, env=fresh_shell, check=True, capture_output=True)
    process = subprocess.Popen(  # noqa: S603
        [sys.executable, "manage.py", "db_worker", "--no-reload", "--queue-name", "*", "--interval", "0.1"],
        cwd=ROOT,
        env={
            **fresh_shell,
            "DEBUG": "1",
            "SANDBOX_TIME_SCALE": "0",
            "RECONCILE_SWEEP_SECONDS": "1",
            "LINE_STALE_AFTER_SECONDS": "1",
            "TASK_RETRY_BASE_SECONDS": "0.1",
            "VOUCHER_POLL_SECONDS": "1",
        },
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    yield
    process.terminate()
    process.wait(timeout=30)


@pytest.fixture
def catalogues_kept():
    """The translation commands rewrite the committed catalogues (their source references move
    with the code): put them back as they were once the commands have run."""
    kept = {path: path.read_bytes() for path in (ROOT / "locale").rglob("django.[pm]o")}
    yield
    for path, content in kept.items():
        path.write_bytes(content)


@pytest.mark.timeout(900)
def test_every_printed_command_works_pasted_into_a_fresh_shell(fresh_shell, workers, catalogues_kept):
    failures = {}
    for command in printed_commands():
        done = subprocess.run(  # noqa: S603
            ["bash", "-c", command], cwd=ROOT, env=fresh_shell, capture_output=True, text=True, timeout=180
        )
        if done.returncode != 0 or "Traceback" in done.stderr:
            failures[command] = (done.stdout + done.stderr)[-2000:]
        elif command.startswith("make key"):
            assert re.search(r"^  tsk_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$", done.stdout, re.MULTILINE), (
                done.stdout
            )
    assert failures == {}
