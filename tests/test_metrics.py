"""/metrics serves Prometheus text to a scraper holding METRICS_TOKEN and to no one else: the
requests per route, the tasks and the supplier calls the workers ran, and the figures read
from the database (queue, orders by status, money per currency)."""

import re

import pytest
from django.core.cache import cache
from prometheus_client.parser import text_string_to_metric_families

from payments.services.finalization import order_finalize
from tessera.actors import Actor
from tests import factories

TOKEN = "scrape-token-for-tests"


@pytest.fixture(autouse=True)
def metrics_token(settings):
    settings.METRICS_TOKEN = TOKEN
    cache.clear()


def scrape(client) -> dict[tuple, float]:
    response = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 200, response.content
    samples = {}
    for family in text_string_to_metric_families(response.content.decode()):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


def value(samples: dict, name: str, **labels) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def test_metrics_answer_no_one_without_a_token_set(client, settings, db):
    settings.METRICS_TOKEN = ""

    assert client.get("/metrics", headers={"Authorization": "Bearer "}).status_code == 404


@pytest.mark.parametrize("header", [None, "Bearer wrong", f"Basic {TOKEN}", f"Bearer {TOKEN}x"])
def test_metrics_refuse_a_scraper_without_the_token(client, db, header):
    headers = {"Authorization": header} if header else {}

    response = client.get("/metrics", headers=headers)

    assert response.status_code == 401 and b"tessera_" not in response.content


def test_requests_are_counted_by_route_never_by_path(client, api):
    before = scrape(client)
    api.get("/orders")
    api.get("/orders/00000000-0000-0000-0000-000000000000")

    after = scrape(client)

    counted = value(after, "tessera_http_requests_total", route="api:orders", method="GET", status="2xx")
    assert (
        counted - value(before, "tessera_http_requests_total", route="api:orders", method="GET", status="2xx")
        == 1
    )
    assert value(after, "tessera_http_requests_total", route="api:order", method="GET", status="4xx") >= 1
    assert value(after, "tessera_http_request_duration_seconds_count", route="api:orders", method="GET") >= 1
    assert not any("00000000" in str(labels) for _, labels in after)


@pytest.mark.django_db(transaction=True)
def test_tasks_supplier_calls_orders_and_money_after_an_order_is_fulfilled(client, wallet_partner, worker):
    product = factories.product()
    supplier = product.supplier.slug
    before = scrape(client)
    order = factories.order(owner=wallet_partner, product_obj=product)
    cache.clear()

    queued = scrape(client)
    worker()
    order_finalize(order_id=order.pk, method="wallet", actor=Actor.partner(wallet_partner))
    worker()
    cache.clear()
    after = scrape(client)

    assert value(queued, "tessera_tasks", task="orders.tasks.reserve_line", status="READY") == 1
    assert value(after, "tessera_tasks", task="orders.tasks.reserve_line", status="READY") == 0
    finished = value(
        after, "tessera_tasks_finished_total", task="orders.tasks.issue_line", outcome="successful"
    )
    assert (
        finished
        - value(before, "tessera_tasks_finished_total", task="orders.tasks.issue_line", outcome="successful")
        == 1
    )
    assert value(after, "tessera_task_duration_seconds_count", task="orders.tasks.issue_line") >= 1
    calls = value(after, "tessera_supplier_calls_total", supplier=supplier, operation="reserve", outcome="ok")
    assert (
        calls
        - value(before, "tessera_supplier_calls_total", supplier=supplier, operation="reserve", outcome="ok")
        == 1
    )
    assert value(after, "tessera_orders", status="FULFILLED") == 1
    assert value(after, "tessera_money_collected_total", currency="EUR", method="wallet") == float(
        order.total_amount
    )
    assert value(after, "tessera_supplier_breaker_open", supplier=supplier) == 0


@pytest.mark.django_db(transaction=True)
def test_a_supplier_error_is_counted_by_its_class(client, wallet_partner, worker):
    product = factories.product(behaviour={"fail": "reserve"})
    factories.order(owner=wallet_partner, product_obj=product)

    worker()
    samples = scrape(client)

    outcomes = {
        dict(labels)["outcome"]
        for (name, labels) in samples
        if name == "tessera_supplier_calls_total" and dict(labels)["supplier"] == product.supplier.slug
    }
    assert outcomes == {"PermanentSupplierError"}


def test_the_format_is_prometheus_text(client, db):
    response = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})

    assert response["Content-Type"].startswith("text/plain; version=")
    assert re.search(r"^# TYPE tessera_orders gauge$", response.content.decode(), re.MULTILINE)
