"""The sandbox bank's background work: settling refunds and sending its signed callbacks."""

from django.tasks import task

from sandbox import bank as sandbox_bank
from tessera import correlation


@task()
def send_callback(kind: str, reference: str, attempt: int = 1) -> str:
    with correlation.bound(None):
        return sandbox_bank.callback_send(kind=kind, reference=reference, attempt=attempt)


@task()
def settle_refund(refund_id: str) -> str:
    with correlation.bound(None):
        return sandbox_bank.refund_settle(refund_id=refund_id)
