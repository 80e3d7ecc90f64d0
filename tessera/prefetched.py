"""Rows kept on a model instance as if ``prefetch_related`` had read them: the one place that
touches Django's private prefetch cache.

A service that has just written an order's lines holds them already; reading them again to
answer the request would cost a query per relation. Django has no public way to hand rows to a
related manager, so this does what ``prefetch_related`` does with what it read
(``django.db.models.query.prefetch_one_level``): it sets the manager's queryset's
``_result_cache`` and ``_prefetch_done`` and files the queryset under the relation's name in the
instance's ``_prefetched_objects_cache``, which ``.all()`` and ``prefetch_related_objects`` read
first. tests/test_upstream_contracts.py checks that Django still stores a prefetch that way, so a
Django upgrade that changes it fails a test, not a request.
"""

from collections.abc import Iterable

CACHE = "_prefetched_objects_cache"


def hold_prefetched(instance, name: str, rows: list) -> None:
    """Keep ``rows`` as the related ``name`` of ``instance``: ``.all()`` answers from them."""
    queryset = getattr(instance, name).get_queryset()
    queryset._result_cache = rows
    queryset._prefetch_done = True
    if not hasattr(instance, CACHE):
        setattr(instance, CACHE, {})
    getattr(instance, CACHE)[name] = queryset


def holds_prefetched(instance, names: Iterable[str]) -> bool:
    """Whether every relation in ``names`` was prefetched (or held) on ``instance``."""
    held = getattr(instance, CACHE, {})
    return all(name in held for name in names)
