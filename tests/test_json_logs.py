"""JSON log lines (LOG_FORMAT=json): time, level, logger, message, correlation id, and the
partner, the order and the task when known."""

import io
import json
import logging
from contextlib import contextmanager
from unittest import mock

import pytest
from django_tasks_db.models import DBTaskResult

from orders.errors import OrderNotFound
from partner_api import selectors
from tessera import correlation, log_context
from tests import factories
from tests.refund_support import delivered


@contextmanager
def json_lines(logger_name: str):
    """The JSON lines ``logger_name`` writes inside the block, as production's handler writes them."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(log_context.JsonFormatter())
    handler.addFilter(log_context.LogContextFilter())
    logger = logging.getLogger(logger_name)
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    records: list[dict] = []
    try:
        yield records
    finally:
        logger.removeHandler(handler)
        records.extend(json.loads(line) for line in stream.getvalue().splitlines())


def test_a_line_has_every_field_and_nulls_for_what_is_unknown():
    with json_lines("tests.json") as records, correlation.bound("corr-1"):
        logging.getLogger("tests.json").warning("hello %s", "world")

    (record,) = records
    assert record.keys() == {
        "time",
        "level",
        "logger",
        "message",
        "correlation_id",
        "partner",
        "order_id",
        "task_id",
    }
    assert (record["level"], record["logger"], record["message"]) == ("WARNING", "tests.json", "hello world")
    assert record["correlation_id"] == "corr-1" and record["time"].endswith("Z")
    assert (record["partner"], record["order_id"], record["task_id"]) == (None, None, None)


def test_a_partner_request_logs_its_partner_and_the_order_its_url_names(api):
    order_id = "0193a3c2-0000-7000-8000-000000000001"

    def logging_lookup(**kwargs):
        logging.getLogger("tests.json").info("looking the order up")
        raise OrderNotFound("No such order.")

    with (
        json_lines("tests.json") as records,
        mock.patch.object(selectors, "order_for_partner", logging_lookup),
    ):
        response = api.get(f"/orders/{order_id}", **{"X-Correlation-Id": "corr-2"})

    assert response.status_code == 404
    (record,) = records
    assert (record["partner"], record["order_id"], record["correlation_id"]) == (
        api.partner.slug,
        order_id,
        "corr-2",
    )


def test_nothing_bound_by_one_request_stays_for_the_next(api, client):
    with (
        json_lines("tests.json") as records,
        mock.patch.object(selectors, "order_for_partner", side_effect=OrderNotFound("x")),
    ):
        api.get("/orders/0193a3c2-0000-7000-8000-000000000001")
        client.get("/health/live")
        logging.getLogger("tests.json").info("after the requests")

    assert (records[-1]["partner"], records[-1]["order_id"]) == (None, None)


@pytest.mark.django_db(transaction=True)
def test_a_worker_logs_the_id_of_the_task_it_runs(worker):
    partner = factories.partner(wallet="1000.00")
    partner.customer_emails = True
    partner.save(update_fields=["customer_emails"])

    with json_lines("notifications.services") as records:
        order = delivered(partner, factories.product(), worker=worker, quantity=1)

    sent = [record for record in records if record["message"].startswith("sent the")]
    email_tasks = DBTaskResult.objects.filter(task_path="notifications.tasks.send_customer_email")
    assert sorted(record["task_id"] for record in sent) == sorted(
        str(pk) for pk in email_tasks.values_list("pk", flat=True)
    )
    assert [record["order_id"] for record in sent] == [str(order.pk)] * 2
