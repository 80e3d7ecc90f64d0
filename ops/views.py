"""/health/live, /health/ready and /metrics: outside the partner API, so no API key and no rate
limit applies; answered over plain HTTP too (SECURE_REDIRECT_EXEMPT)."""

import asyncio
import hmac

from django.conf import settings
from django.http import Http404, HttpResponse, JsonResponse
from django.utils.cache import add_never_cache_headers
from django.utils.module_loading import import_string
from django.views import View
from django.views.decorators.cache import never_cache
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from ops import metrics_registry

# What a failed library check says: its own message may name a host or a driver's error text.
LIBRARY_FAILURES = {"database": "cannot reach the database", "cache": "cannot reach the cache"}


@never_cache
def live(request) -> JsonResponse:
    """The process answers: nothing else is looked at, so a database outage restarts no one."""
    return JsonResponse({"status": "ok"})


class ReadinessView(View):
    """Every check of ops.health, by name, run at once by django-health-check (each in its own
    thread, with its timeout): 200 when all pass, else 503 with what failed. The library is
    imported at the first probe, not when a process starts."""

    async def get(self, request, *args, **kwargs) -> JsonResponse:
        from ops import health

        named = [
            (name, (import_string(check) if isinstance(check, str) else check)(**options))
            for name, check, options in health.ready_checks()
        ]
        results = await asyncio.gather(*(check.get_result(None) for _, check in named))
        answers = {
            name: "ok" if result.error is None else LIBRARY_FAILURES.get(name, result.error.message)
            for (name, _), result in zip(named, results, strict=True)
        }
        ready = all(answer == "ok" for answer in answers.values())
        response = JsonResponse(
            {"status": "ok" if ready else "unavailable", "checks": answers}, status=200 if ready else 503
        )
        add_never_cache_headers(response)
        return response


@never_cache
def metrics(request) -> HttpResponse:
    """Prometheus text format, for a scraper that sends ``Authorization: Bearer <METRICS_TOKEN>``.
    Without METRICS_TOKEN set there is no endpoint (404), so nothing leaks by default."""
    token = settings.METRICS_TOKEN
    if not token:
        raise Http404
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(given.strip().encode(), token.encode()):
        response = HttpResponse(
            "Send Authorization: Bearer <METRICS_TOKEN>.\n", status=401, content_type="text/plain"
        )
        response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    return HttpResponse(generate_latest(metrics_registry.registry()), content_type=CONTENT_TYPE_LATEST)
