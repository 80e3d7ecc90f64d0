"""The partner API's routes as the URLconf has them, for the sweeps that cover every route, those
added later too (tests/test_api_hostile_input.py, tests/test_api_cross_partner_sweep.py)."""

from django.urls import URLPattern

from config import api_urls

NOT_PARTNER_ROUTES = {"schema", "docs"}
METHODS = ("get", "post", "put", "patch", "delete")
WRITE_METHODS = ("post", "put", "patch")


def api_routes() -> list[tuple[str, URLPattern, list[str]]]:
    """(name, pattern, methods) of every partner API route."""
    routes = []
    for pattern in api_urls.urlpatterns:
        if pattern.name in NOT_PARTNER_ROUTES:
            continue
        view = pattern.callback.view_class
        routes.append((pattern.name, pattern, [method for method in METHODS if hasattr(view, method)]))
    return routes


def fill(pattern: URLPattern, values: dict[str, str]) -> str:
    """The route of ``pattern`` with each of its parameters replaced by ``values[name]``."""
    route = str(pattern.pattern)
    for name, value in values.items():
        for kind in ("uuid", "int", "str", "slug", "path"):
            route = route.replace(f"<{kind}:{name}>", value)
    return route
