"""What /metrics serves: the samples every process recorded (tessera.metrics), added up across
processes in multiprocess mode, and the figures read from the database at scrape time."""

import os

from prometheus_client import REGISTRY, CollectorRegistry
from prometheus_client.multiprocess import MultiProcessCollector

from ops.database_figures import DatabaseFigures

# Collectors of apps above ops that read the database at scrape time (webhooks' backlog), added
# from their AppConfig.ready with register_collector.
_scrape_time_collectors: list = []


def register_collector(collector) -> None:
    _scrape_time_collectors.append(collector)


def registry() -> CollectorRegistry:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        scraped = CollectorRegistry()
        MultiProcessCollector(scraped)
    else:
        scraped = CollectorRegistry()
        scraped.register(_ProcessOwn())
    scraped.register(DatabaseFigures())
    for collector in _scrape_time_collectors:
        scraped.register(collector)
    return scraped


class _ProcessOwn:
    """This process's own samples (a single process: development, tests)."""

    def collect(self):
        yield from REGISTRY.collect()
