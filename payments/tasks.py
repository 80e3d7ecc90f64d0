"""Background work for money. Thin: each task binds the correlation id and calls a service."""

from django.tasks import task

from payments.services import gateway, refund_processing
from payments.services.invoicing import invoices_close
from tessera import correlation
from tessera.actors import Actor


@task()
def close_invoices() -> list[str]:
    """Periodic: close the invoices of ended months (a no-op until a month ends)."""
    with correlation.bound(None):
        return [invoice.number for invoice in invoices_close(actor=Actor.system("invoice closing"))]


@task()
def reconcile_gateway_payments() -> int:
    """Periodic: queue a status check of gateway payments PENDING for a while."""
    with correlation.bound(None):
        return gateway.payments_reconcile_due()


@task()
def reconcile_gateway_payment(payment_id: str) -> str:
    with correlation.bound(None):
        return gateway.payment_reconcile(payment_id=payment_id)


@task()
def cancel_payment_session(payment_id: str, attempt: int = 1, correlation_id: str | None = None) -> str:
    with correlation.bound(correlation_id):
        return gateway.payment_session_cancel(payment_id=payment_id, attempt=attempt)


# --- refunds -------------------------------------------------------------------------------


@task()
def process_refund(refund_id: str, attempt: int = 1, correlation_id: str | None = None) -> str:
    with correlation.bound(correlation_id):
        return refund_processing.refund_process(refund_id=refund_id, attempt=attempt)


@task()
def submit_refund(refund_id: str, attempt: int = 1, correlation_id: str | None = None) -> str:
    with correlation.bound(correlation_id):
        return refund_processing.refund_submit(refund_id=refund_id, attempt=attempt)


@task()
def check_refund(refund_id: str, correlation_id: str | None = None) -> str:
    with correlation.bound(correlation_id):
        return refund_processing.refund_check(refund_id=refund_id)


@task()
def reconcile_refunds() -> dict[str, int]:
    """Periodic: refunds whose task seems lost, and gateway refunds the provider has not settled."""
    with correlation.bound(None):
        return refund_processing.refunds_reconcile_due()
