"""Reading the machine: CPU time of process trees, the share of CPU the host took, and the
database's statistics brought up to date.

Figures of CPU per operation come from /proc, so they hold whatever else the machine runs. On a
virtual machine the host may also take CPU time for other guests ("steal"): benchmarks print how
much it took, since a run that lost a tenth of its CPU that way is slower for no fault of its own.
"""

import os
import subprocess
import time
from collections.abc import Callable
from pathlib import Path


def cpu_seconds(pid: int) -> float:
    """CPU time of a process and all its descendants, live or exited (gunicorn's workers, the
    PostgreSQL server's backends), from /proc: user + system of its own, of its live children
    (recursively) and of the children it has reaped."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return 0.0
    own_and_reaped = sum(int(value) for value in fields[11:15]) / os.sysconf("SC_CLK_TCK")
    return own_and_reaped + sum(cpu_seconds(int(child)) for child in children)


def postgres_cpu_seconds() -> float:
    """CPU time of every PostgreSQL server on the machine: each server's process tree, counted
    once from its root (a backend is a child of its server, so summing every process of the
    postgres user as well as their children counted the backends twice)."""
    listed = subprocess.run(["pgrep", "-u", "postgres"], capture_output=True, text=True).stdout.split()  # noqa: S607
    pids = {int(pid) for pid in listed}
    roots = [pid for pid in pids if _parent(pid) not in pids]
    return sum(cpu_seconds(pid) for pid in roots)


def _parent(pid: int) -> int | None:
    try:
        return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
    except OSError:
        return None


def stolen_share() -> Callable[[], float]:
    """Start counting; the returned function gives the share (0-1) of CPU time stolen since."""
    start = _cpu_counters()

    def since() -> float:
        now = _cpu_counters()
        total = sum(now) - sum(start)
        return (now[7] - start[7]) / total if total else 0.0

    return since


def _cpu_counters() -> list[int]:
    """The machine's CPU counters (user, nice, system, idle, iowait, irq, softirq, steal, ...)."""
    return [int(value) for value in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]


def analyze_tables() -> list[str]:
    """ANALYZE the tables that autovacuum would have, as it does on a database in service.

    Autovacuum is off on the benchmark machine's PostgreSQL (README: leave it on in production),
    so the planner keeps the statistics of the last fill: after a throughput run had added 10,000
    travellers and payments to tables it believed empty, every list page scanned both whole
    tables (3 ms a page) instead of probing their indexes. Returns the tables analyzed.
    """
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname FROM pg_stat_user_tables"
            " WHERE n_mod_since_analyze > 50 + 0.1 * GREATEST(n_live_tup, 0) ORDER BY relname"
        )
        stale = [row[0] for row in cursor.fetchall()]
        for table in stale:
            cursor.execute(f"ANALYZE {connection.ops.quote_name(table)}")
    return stale


def yardstick_ms() -> float:
    """CPU ms of a fixed piece of pure Python work (the best of twenty): how fast this machine is
    right now. docs/benchmarks.md gives the figure of the runs it reports; a run on a host that
    lends less CPU shows a larger one, and its other figures grow in proportion."""
    best = float("inf")
    for _ in range(20):
        started = time.process_time()
        table = {}
        for n in range(100_000):
            table[n % 1000] = table.get(n % 1000, 0) + len(str(n))
        best = min(best, time.process_time() - started)
    return best * 1000
