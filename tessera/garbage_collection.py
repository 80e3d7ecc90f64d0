"""How a long-running Tessera process (a gunicorn worker, a ``db_worker``) sets Python's collector.

Django's ORM leaves every page of orders as reference cycles (a line caches its order, the order
its prefetched lines), so only the cyclic collector frees them. With Python's defaults (a young
collection every 2,000 new container objects) a list page of 25 orders ran about two young
collections, and every couple of hundred requests a full collection walked the ~140,000 objects
that importing Django, DRF and Tessera had created, 100 ms a time: collection took 11 % of a
list page's time.

Once the application is loaded, what start-up created is moved out of the collector's view
(``gc.freeze``: those objects live as long as the process) and young collections run every 20,000
objects. Measured in docs/benchmarks.md ("Python's garbage collector").
"""

import gc

from django.urls import get_resolver

YOUNG_THRESHOLD = 20_000


def settle_after_startup() -> None:
    """Load the URLconf, freeze what start-up created and collect less often; call once, at start."""
    get_resolver().url_patterns  # noqa: B018 - imports the API's and the admin's modules
    gc.collect()
    gc.freeze()
    _, older, oldest = gc.get_threshold()
    gc.set_threshold(YOUNG_THRESHOLD, older, oldest)
