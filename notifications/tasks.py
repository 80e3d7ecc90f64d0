"""The worker's side of customer e-mails: thin, with retries when the mail server fails."""

import logging
import smtplib

from django.tasks import task

from notifications import services
from tessera import correlation, log_context
from tessera.background.enqueue import enqueue_after_commit
from tessera.background.retries import attempts_left, retry_at

logger = logging.getLogger(__name__)


@task()
def send_customer_email(
    order_id: str,
    kind: str,
    event_key: str,
    forced: bool = False,
    attempt: int = 1,
    correlation_id: str | None = None,
) -> str:
    with correlation.bound(correlation_id), log_context.bound(order_id=order_id):
        try:
            return services.customer_email_send(
                order_id=order_id, kind=kind, event_key=event_key, forced=forced
            )
        except (OSError, smtplib.SMTPException) as exc:
            if not attempts_left(attempt):
                logger.error(
                    "gave up the %s e-mail of order %s after %d attempts: %s", kind, order_id, attempt, exc
                )
                return "gave up"
            retry = {"order_id": order_id, "kind": kind, "event_key": event_key, "forced": forced}
            enqueue_after_commit(
                "notifications.tasks.send_customer_email",
                [{**retry, "attempt": attempt + 1}],
                run_after=retry_at(attempt),
            )
            logger.warning(
                "the %s e-mail of order %s failed (%s); retrying", kind, order_id, type(exc).__name__
            )
            return "retrying"
