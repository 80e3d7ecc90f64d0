"""What an operator sees while partners drive traffic: /health/ready stays ready, /metrics (one
scrape of every gunicorn process's and worker's samples) counts the requests, the tasks and the
supplier calls, and every log line of gunicorn and the workers is a JSON object with the fields
docs/operations.md promises."""

import json
import time
import urllib.request

import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.load.conftest import TIMEOUT
from tests.load.traffic import start_partners

pytestmark = [pytest.mark.load, pytest.mark.postgres, pytest.mark.timeout(TIMEOUT)]

TRAFFIC_SECONDS = 20
LOG_FIELDS = {"time", "level", "logger", "message", "correlation_id", "partner", "order_id", "task_id"}


def totals(text: str) -> dict[str, float]:
    """Each metric's samples added up over their labels."""
    summed: dict[str, float] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            summed[sample.name] = summed.get(sample.name, 0.0) + sample.value
    return summed


def test_health_metrics_and_json_logs_during_traffic(stack, recorder):
    before = totals(stack.scrape_metrics())
    answered_before = recorder.requests - recorder.no_answer
    deadline = time.monotonic() + TRAFFIC_SECONDS
    clients = start_partners(stack.base_url, stack.world, recorder, count=2, deadline=deadline, name="ops")
    time.sleep(TRAFFIC_SECONDS / 2)
    with urllib.request.urlopen(f"{stack.base_url}/health/ready", timeout=30) as answer:  # noqa: S310
        readiness = json.loads(answer.read())
    during = totals(stack.scrape_metrics())
    for client in clients:
        client.join(timeout=TRAFFIC_SECONDS + 180)
    after = totals(stack.scrape_metrics())

    assert readiness["status"] == "ok", readiness
    answered = recorder.requests - recorder.no_answer - answered_before
    counted = after["tessera_http_requests_total"] - before.get("tessera_http_requests_total", 0)
    assert answered > 0 and counted >= answered, (counted, answered)
    assert during["tessera_http_requests_total"] > before.get("tessera_http_requests_total", 0)
    assert after["tessera_tasks_finished_total"] > before.get("tessera_tasks_finished_total", 0)
    assert after["tessera_supplier_calls_total"] > before.get("tessera_supplier_calls_total", 0)
    assert after["tessera_orders"] > 0 and after["tessera_workers_alive"] >= 1

    lines = [line for log in stack.run_dir.glob("*.log") for line in log.read_text().splitlines() if line]
    not_json = [line for line in lines if not _is_json_object(line)]
    assert lines and not_json == [], not_json[:5]
    records = [json.loads(line) for line in lines]
    assert all(LOG_FIELDS <= record.keys() for record in records if record["logger"] != "gunicorn.access")
    assert any(record.get("task_id") for record in records), "no worker line named its task"


def _is_json_object(line: str) -> bool:
    try:
        return isinstance(json.loads(line), dict)
    except ValueError:
        return False
