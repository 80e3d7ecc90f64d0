"""The whole running system for the load suite: a PostgreSQL database of its own, gunicorn with
several workers and db_worker processes, started from the production Procfile's own lines with
production's settings (DEBUG off, real secrets, JSON logs, metrics across processes), plus a
private PostgreSQL cluster for the restart scenario.

Nothing here touches the machine's shared PostgreSQL server beyond creating and dropping the
run's own database in it.
"""

import base64
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg

from tests.worker_processes import ROOT, wait_until

RUNS_DIR = ROOT / "var" / "load"
STARTUP_SECONDS = 120
PROCFILE = ROOT / "Procfile"
METRICS_TOKEN = secrets.token_urlsafe(16)


def procfile_commands(path: Path = PROCFILE) -> dict[str, str]:
    """The production Procfile's processes, name -> command line, read as honcho reads them."""
    from honcho.environ import parse_procfile

    return dict(parse_procfile(path.read_text()).processes)


class ProcfileProcess:
    """One process of the Procfile, run by a shell as a process manager would (``exec``, so that
    signals reach it), with the virtualenv's executables first on PATH."""

    def __init__(self, name: str, command: str, env: dict[str, str], log: Path) -> None:
        self.name = name
        self.log_path = log
        self.log = log.open("a")
        path = f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"
        self.process = subprocess.Popen(  # noqa: S603 - the Procfile's own command
            ["bash", "-c", f"exec {command}"],
            cwd=ROOT,
            env={**os.environ, **env, "PATH": path},
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )

    def running(self) -> bool:
        return self.process.poll() is None

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self, timeout: float = 30) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.kill()
        self.log.close()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


def database_name(url: str) -> str:
    return urlsplit(url).path.lstrip("/")


class Database:
    """A database made afresh for one run, in the server ``server_url`` points at."""

    def __init__(self, server_url: str, name: str) -> None:
        self.name = name
        self.url = with_database(server_url, name)
        self.admin_url = with_database(server_url, "postgres")

    def create(self) -> None:
        with psycopg.connect(self.admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{self.name}"')

    def drop(self) -> None:
        with psycopg.connect(self.admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')

    def connect(self) -> psycopg.Connection:
        return psycopg.connect(self.url, autocommit=True)

    def dump(self, target: Path) -> Path:
        """pg_dump of the whole database, as plain SQL text."""
        parts = urlsplit(self.url)
        command = ["pg_dump", "-h", parts.hostname, "-p", str(parts.port or 5432), "-U", parts.username]
        with target.open("w") as out:
            subprocess.run([*command, self.name], stdout=out, check=True)  # noqa: S603
        return target


def production_env(database_url: str, port: int, metrics_dir: Path) -> dict[str, str]:
    """Settings as a deployment has them (.env.example): DEBUG off, every secret set (fresh for
    this run), JSON logs, metrics added up across processes; plain HTTP on loopback (no proxy
    ends TLS here); the timings shortened so retries, sweeps and expiry happen within the run."""

    def key() -> str:
        return secrets.token_urlsafe(32)

    return {
        "DATABASE_URL": database_url,
        "DEBUG": "0",
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
        "SECURE_SSL_REDIRECT": "0",
        "LOG_FORMAT": "json",
        "METRICS_TOKEN": METRICS_TOKEN,
        "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir),
        "SECRET_KEY": key(),
        "VOUCHER_KEYS": "load1:" + base64.b64encode(secrets.token_bytes(32)).decode(),
        "VOUCHER_DIGEST_KEY": key(),
        "TICKET_SIGNING_KEY": key(),
        "SANDBOX_PROVIDER_SECRET": key(),
        "SANDBOX_TIME_SCALE": "1",
        "LOG_LEVEL": "INFO",
        "API_RATE_LIMIT": "1000000/min",
        "ORDER_EXPIRY_MINUTES": "1",
        "TASK_RETRY_BASE_SECONDS": "0.25",
        "TASK_RETRY_MAX_DELAY_SECONDS": "4",
        "EXPIRY_SWEEP_SECONDS": "5",
        "RECONCILE_SWEEP_SECONDS": "10",
        "LINE_STALE_AFTER_SECONDS": "20",
        "VOUCHER_POLL_SECONDS": "2",
        "REFUND_SWEEP_SECONDS": "10",
        "WORKER_HEARTBEAT_SECONDS": "1",
        "WORKER_DEAD_AFTER_SECONDS": "5",
    }


def run_django(module: str, env: dict[str, str], *args: str) -> str:
    """Run ``python -m module`` (or manage.py with module="manage") in the run's settings."""
    command = [sys.executable, "manage.py", *args] if module == "manage" else [sys.executable, "-m", module]
    done = subprocess.run(  # noqa: S603 - our own code
        command, cwd=ROOT, env={**os.environ, **env}, capture_output=True, text=True, timeout=600
    )
    if done.returncode != 0:
        raise RuntimeError(f"{module} {args} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout


@dataclass
class Stack:
    """gunicorn (``web`` processes) and ``workers`` db_worker processes on ``database``."""

    database: Database
    run_dir: Path
    web: int = 3
    workers: int = 2
    settings: dict[str, str] = field(default_factory=dict)  # on top of production_env()
    env: dict[str, str] = field(default_factory=dict)
    port: int = 0
    world: dict = field(default_factory=dict)
    _gunicorn: ProcfileProcess | None = None
    _workers: dict[str, ProcfileProcess] = field(default_factory=dict)
    _generation: int = 0

    def prepare(self) -> None:
        """Make the database, migrate it, and seed the run's partners and products."""
        self.run_dir.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        metrics_dir = self.run_dir / "metrics"
        shutil.rmtree(metrics_dir, ignore_errors=True)
        metrics_dir.mkdir()
        self.env = {**production_env(self.database.url, self.port, metrics_dir), **self.settings}
        self.database.create()
        # The release steps of docs/operations.md ("Deploy").
        run_django("manage", self.env, "migrate", "--no-input", "-v0")
        run_django("manage", self.env, "collectstatic", "--no-input", "-v0")
        self.world = json.loads(run_django("tests.load.seed", self.env))
        (self.run_dir / "world.json").write_text(json.dumps(self.world, indent=1))

    def start(self) -> None:
        self.start_web()
        for n in range(self.workers):
            self.start_worker(f"w{n}")

    def start_web(self) -> None:
        env = {**self.env, "WEB_CONCURRENCY": str(self.web)}
        self._gunicorn = ProcfileProcess(
            "web", procfile_commands()["web"], env, self.run_dir / "gunicorn.log"
        )
        wait_until(self._answers, timeout=STARTUP_SECONDS, what="gunicorn to answer /health/live")

    def _answers(self) -> bool:
        """A gunicorn worker has loaded Tessera and answers (the master listens long before)."""
        import urllib.request

        try:
            with urllib.request.urlopen(f"{self.base_url}/health/live", timeout=5) as answer:  # noqa: S310
                return answer.status == 200
        except OSError:
            return False

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start_worker(self, name: str) -> ProcfileProcess:
        """The Procfile's worker, with a worker id of our own so a scenario can find its tasks."""
        self._generation += 1
        worker_id = f"{name}-{self._generation}"
        command = f"{procfile_commands()['worker']} --worker-id {worker_id}"
        worker = ProcfileProcess(worker_id, command, self.env, self.run_dir / f"worker-{worker_id}.log")
        self._workers[worker_id] = worker
        return worker

    def kill_worker(self, name: str) -> None:
        """SIGKILL: the worker dies where it stands, leaving its task RUNNING."""
        worker = self._workers.pop(name)
        worker.kill()
        worker.stop()

    def stop(self) -> None:
        for worker in list(self._workers.values()):
            worker.stop(timeout=15)
        self._workers.clear()
        if self._gunicorn is not None:
            self._gunicorn.stop()
        self._gunicorn = None

    def scrape_metrics(self) -> str:
        """/metrics as Prometheus scrapes it, with the run's token."""
        import urllib.request

        request = urllib.request.Request(
            f"{self.base_url}/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"}
        )
        with urllib.request.urlopen(request, timeout=30) as answer:  # noqa: S310 - loopback
            return answer.read().decode()

    def logs(self) -> list[Path]:
        """Every log of the run so far (call after stop() for the workers' full logs)."""
        return sorted(self.run_dir.glob("*.log"))


class PrivateCluster:
    """A PostgreSQL server of our own (initdb + pg_ctl in a temporary directory, run as the
    postgres user when we are root), so that restarting it disturbs nobody else."""

    def __init__(self) -> None:
        self.bin = _postgres_bin()
        self.port = free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="tessera-load-pg-"))
        self.data = self.dir / "data"
        self.log = self.dir / "server.log"

    def _run(self, *command: str) -> None:
        prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        subprocess.run([*prefix, *command], check=True, capture_output=True, timeout=120)  # noqa: S603

    def init(self) -> None:
        if os.geteuid() == 0:
            shutil.chown(self.dir, "postgres")
        self._run(f"{self.bin}/initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "--no-sync")
        self.start()

    def _options(self) -> str:
        # fsync off: only PostgreSQL restarts here, never the machine, so nothing written is lost.
        return (
            f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200"
        )

    def start(self) -> None:
        self._run(
            f"{self.bin}/pg_ctl",
            "-D",
            str(self.data),
            "-o",
            self._options(),
            "-l",
            str(self.log),
            "-w",
            "start",
        )

    def stop(self, mode: str = "fast") -> None:
        self._run(f"{self.bin}/pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop")

    @property
    def server_url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/postgres"

    def destroy(self) -> None:
        try:
            self.stop("immediate")
        except subprocess.CalledProcessError:
            pass  # already stopped
        shutil.rmtree(self.dir, ignore_errors=True)


def _postgres_bin() -> str:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"))
    if not found:
        raise FileNotFoundError("no PostgreSQL server binaries under /usr/lib/postgresql/*/bin")
    return str(found[-1].parent)


def postgres_available() -> bool:
    try:
        _postgres_bin()
    except FileNotFoundError:
        return False
    return shutil.which("runuser") is not None or os.geteuid() != 0
