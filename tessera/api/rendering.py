"""Serializers built once per process and reused for every request.

Building a DRF serializer deep-copies the declared fields of it and of every serializer nested in
it. For an order with its lines, travellers, payments and refunds that took 1.5 ms per answer,
six times the 0.25 ms of turning the order into JSON (docs/benchmarks.md). The output serializers
passed here take no context and keep no state between calls, so one instance per class serves
every request of the process. Serializers that read their context (a revealed voucher's secrets)
are built per answer as usual.

Input serializers are reused the same way: ``run_validation`` keeps nothing on the instance
(it is how DRF validates every item of a list with one child serializer), unlike ``is_valid``,
which stores the data and errors and so needs an instance per request.

This leans on two behaviours of DRF that its documentation does not promise:
``Serializer.to_representation`` and ``run_validation`` read only the fields built with the
instance (never ``self.instance``, ``self.initial_data`` or ``self._data``), and
``ListSerializer.to_representation`` asks its one child for every item. tests/test_upstream_contracts.py
checks both, so a DRF upgrade that starts keeping state there fails a test, not a request.
"""

from collections.abc import Iterable
from functools import cache

from rest_framework import serializers


@cache
def shared(serializer_class: type[serializers.Serializer]) -> serializers.Serializer:
    """The process's one instance of ``serializer_class``, built without data or context."""
    return serializer_class()


@cache
def _many(serializer_class: type[serializers.Serializer]) -> serializers.ListSerializer:
    return serializer_class(many=True)


def render(serializer_class: type[serializers.Serializer], instance) -> dict:
    """``serializer_class(instance).data``, without building the serializer again."""
    return shared(serializer_class).to_representation(instance)


def render_many(serializer_class: type[serializers.Serializer], instances: Iterable) -> list:
    """``serializer_class(instances, many=True).data``, without building the serializer again."""
    return _many(serializer_class).to_representation(instances)
