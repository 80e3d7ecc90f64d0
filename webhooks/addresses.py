"""Where webhooks may go: the SSRF rules for endpoint URLs.

In production an endpoint's URL must be https and its host must resolve only to public
addresses: loopback, private, link-local, multicast, reserved and unspecified addresses are
refused, so a partner cannot make Tessera's workers call its own network. The check runs when
the URL is saved and again before every attempt (a name may resolve elsewhere later). Under
DEBUG and in tests (WEBHOOK_ALLOW_LOCAL_URLS) http and local addresses are allowed, for a
receiver on the developer's machine.
"""

import ipaddress
import socket
from urllib.parse import urlsplit

from django.conf import settings


class UnsafeAddress(ValueError):
    pass


def check_delivery_url(url: str) -> None:
    """Raise UnsafeAddress, saying why, when webhooks may not be sent to ``url``."""
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise UnsafeAddress("Give an absolute http(s) URL.")
    if settings.WEBHOOK_ALLOW_LOCAL_URLS:
        return
    if parts.scheme != "https":
        raise UnsafeAddress("Webhook URLs must use https.")
    try:
        port = parts.port or 443
    except ValueError as exc:
        raise UnsafeAddress("The URL's port is not valid.") from exc
    try:
        found = socket.getaddrinfo(parts.hostname, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        raise UnsafeAddress(f"The host {parts.hostname!r} does not resolve.") from exc
    for *_, sockaddr in found:
        address = ipaddress.ip_address(sockaddr[0].split("%")[0])
        if not address.is_global or address.is_multicast:
            raise UnsafeAddress(
                f"The host {parts.hostname!r} resolves to {address}, which is not a public address."
            )
