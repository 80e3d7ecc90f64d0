"""Error reports and traces to Sentry, switched on by SENTRY_DSN alone (config/settings.py).

Requests and tasks are tagged with their correlation id (tessera.correlation.listeners), so a report
leads to the same request's log lines and audit events. Nothing personal is sent.
"""

import sentry_sdk
from sentry_sdk.integrations.django import DjangoIntegration

from tessera import correlation


def tag_correlation_id(value: str) -> None:
    sentry_sdk.set_tag("correlation_id", value)


def start_error_reporting(*, dsn: str, environment: str, traces_sample_rate: float) -> None:
    sentry_sdk.init(
        dsn=dsn,
        environment=environment,
        traces_sample_rate=traces_sample_rate,
        send_default_pii=False,
        integrations=[DjangoIntegration()],
    )
    correlation.listeners.append(tag_correlation_id)
