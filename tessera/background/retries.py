"""Retries with exponential backoff, which the django-tasks-db backend does not have."""

import random
from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone

MAX_EXPONENT = 32  # 2**32 base delays is far past any cap; keeps the float finite


def backoff_delay(attempt: int) -> float:
    """Seconds to wait before attempt ``attempt + 1``: base * 2**(attempt-1) ±20 %, capped."""
    exponent = min(max(attempt - 1, 0), MAX_EXPONENT)
    jittered = settings.TASK_RETRY_BASE_SECONDS * (2.0**exponent) * random.uniform(0.8, 1.2)  # noqa: S311
    return min(jittered, settings.TASK_RETRY_MAX_DELAY_SECONDS)


def retry_at(attempt: int) -> datetime:
    return timezone.now() + timedelta(seconds=backoff_delay(attempt))


def attempts_left(attempt: int) -> bool:
    return attempt < settings.TASK_MAX_ATTEMPTS
