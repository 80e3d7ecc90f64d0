"""Retries with exponential backoff, which the django-tasks-db backend does not have."""
import random
from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone


def backoff_delay(attempt: int) -> float:
    """Seconds to wait before attempt ``attempt + 1``: base * 2**(attempt-1), capped, ±20 %."""
    base = settings.TASK_RETRY_BASE_SECONDS * (2 ** max(attempt - 1, 0))
    capped = min(base, settings.TASK_RETRY_MAX_DELAY_SECONDS)
    return capped * random.uniform(0.8, 1.2)  # noqa: S311 - jitter, not security


def retry_at(attempt: int) -> datetime:
    return timezone.now() + timedelta(seconds=backoff_delay(attempt))


def attempts_left(attempt: int) -> bool:
    return attempt < settings.TASK_MAX_ATTEMPTS
