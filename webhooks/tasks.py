"""Background work of webhooks. Thin: each task binds the correlation id and calls one service."""

from django.tasks import task

from tessera import correlation
from webhooks.services import delivery, dispatch, retention


@task()
def dispatch_events(correlation_id: str | None = None) -> int:
    with correlation.bound(correlation_id):
        return dispatch.events_dispatch()


@task()
def deliver_endpoint(endpoint_id: str, correlation_id: str | None = None) -> str:
    with correlation.bound(correlation_id):
        return delivery.endpoint_deliver(endpoint_id=endpoint_id)


@task()
def purge_events() -> int:
    return retention.events_purge()
