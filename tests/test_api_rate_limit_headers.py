"""Every answer the rate limit counts tells the partner where it stands, not only a 429.

Given a partner limited to 3 requests a minute, when it makes four requests, then each answer
carries RateLimit-Limit 3, RateLimit-Remaining counting down 2, 1, 0, 0, a RateLimit-Reset within
the window and RateLimit-Policy "3;w=60"; the fourth is the 429, with Retry-After as before. An
answer to a request without a valid key (not counted) carries none.
"""

import pytest
from django.core.cache import cache

from orders.models import Partner
from tests import factories
from tests.api_support import client_for

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def empty_counts():
    cache.clear()
    yield
    cache.clear()


def test_the_headers_count_down_to_the_429():
    # given a partner limited to 3 a minute
    partner = factories.partner(wallet="10.00")
    Partner.objects.filter(pk=partner.pk).update(rate_limit="3/min")
    api = client_for(partner)

    # when it makes four requests, reads and a write
    answers = [
        api.get("/wallets"),
        api.get("/orders"),
        api.post("/offers", {"productId": 999999}),
        api.get("/wallets"),
    ]

    # then each says how many are left, down to the 429
    assert [a.status_code for a in answers] == [200, 200, 404, 429]
    assert [a["RateLimit-Remaining"] for a in answers] == ["2", "1", "0", "0"]
    assert {a["RateLimit-Limit"] for a in answers} == {"3"}
    assert {a["RateLimit-Policy"] for a in answers} == {"3;w=60"}
    assert all(0 < int(a["RateLimit-Reset"]) <= 60 for a in answers)
    assert int(answers[-1]["Retry-After"]) > 0


def test_an_unauthenticated_answer_carries_no_rate_limit_headers(client):
    answer = client.get("/api/v1/wallets", headers={"Authorization": "Bearer nope"})

    assert answer.status_code == 401
    assert "RateLimit-Remaining" not in answer
