"""With REDIS_URL set, rate limits live in Redis, so every web process shares one count."""

import socket
import uuid

import pytest
from django.core.cache.backends.redis import RedisCache

from tessera.api.throttling import PartnerClientThrottle
from tests import factories
from tests.api_support import client_for
from tests.test_settings import PROBE, start_django

REDIS = ("127.0.0.1", 6379)
REDIS_URL = "redis://127.0.0.1:6379/15"


def redis_is_up() -> bool:
    try:
        socket.create_connection(REDIS, timeout=0.5).close()
        return True
    except OSError:
        return False


pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(not redis_is_up(), reason="needs Redis on 127.0.0.1:6379"),
]


@pytest.fixture
def redis_cache():
    cache = RedisCache(REDIS_URL, {"KEY_PREFIX": f"tessera-test-{uuid.uuid4().hex}"})
    yield cache
    cache.clear()


def test_limit_is_counted_in_redis_and_answers_429_with_retry_after(redis_cache, monkeypatch):
    monkeypatch.setattr(PartnerClientThrottle, "THROTTLE_RATES", {"partner": "3/min"})
    monkeypatch.setattr(PartnerClientThrottle, "cache", redis_cache)
    api = client_for(factories.partner(wallet="10.00"))

    answers = [api.get("/wallets", **{"X-Client-Name": "acme-app"}).status_code for _ in range(4)]

    assert answers == [200, 200, 200, 429]
    keys = [key for key in redis_cache._cache.get_client().keys("*") if b"throttle" in key]
    assert keys, "the count is not in Redis"
    limited = api.get("/wallets", **{"X-Client-Name": "acme-app"})
    assert limited["Retry-After"].isdigit()
    assert api.get("/wallets", **{"X-Client-Name": "other-app"}).status_code == 200


def test_redis_url_puts_the_cache_and_so_the_rate_limits_in_redis():
    backend = start_django(
        PROBE.format("settings.CACHES['default']['BACKEND']"), DEBUG="1", REDIS_URL=REDIS_URL
    )
    assert backend.stdout.strip() == "django.core.cache.backends.redis.RedisCache", backend.stderr
