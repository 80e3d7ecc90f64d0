"""What /metrics serves: the samples every process recorded (tessera.metrics), added up across
processes in multiprocess mode, and the figures read from the database at scrape time."""

import os

from prometheus_client import REGISTRY, CollectorRegistry
from prometheus_client.multiprocess import MultiProcessCollector

from ops.database_figures import DatabaseFigures


def registry() -> CollectorRegistry:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        scraped = CollectorRegistry()
        MultiProcessCollector(scraped)
    else:
        scraped = CollectorRegistry()
        scraped.register(_ProcessOwn())
    scraped.register(DatabaseFigures())
    return scraped


class _ProcessOwn:
    """This process's own samples (a single process: development, tests)."""

    def collect(self):
        yield from REGISTRY.collect()
