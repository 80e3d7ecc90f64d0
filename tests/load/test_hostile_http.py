"""Hostile requests over real HTTP to gunicorn, as an attacker sends them (raw sockets, no client
library to tidy them up): each is a clear 4xx, and the server keeps serving."""

import socket

import pytest

from tests.load.conftest import TIMEOUT

pytestmark = [pytest.mark.load, pytest.mark.postgres, pytest.mark.timeout(TIMEOUT)]


def raw_request(port: int, head: bytes, body: bytes = b"") -> tuple[int, bytes]:
    """Send bytes as they are; the status code and the body of the answer."""
    with socket.create_connection(("127.0.0.1", port), timeout=30) as conn:
        conn.sendall(head + body)
        conn.shutdown(socket.SHUT_WR)
        answer = b""
        while chunk := conn.recv(65536):
            answer += chunk
    status_line, _, rest = answer.partition(b"\r\n")
    return int(status_line.split()[1]), rest.partition(b"\r\n\r\n")[2]


def head(method: str, target: str, key: str, **extra: str) -> bytes:
    lines = [
        f"{method} {target} HTTP/1.1",
        "Host: 127.0.0.1",
        f"Authorization: Bearer {key}",
        "Connection: close",
    ]
    lines += [f"{name}: {value}" for name, value in extra.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def test_hostile_requests_over_http_are_clear_4xx_answers(stack):
    key = stack.world["partners"][0]["key"]
    port = stack.port
    json_headers = {"Content-Type": "application/json", "Idempotency-Key": "hostile-1"}
    oversized = b'{"note": "' + b"x" * (2 * 1024 * 1024) + b'"}'
    answers = {
        "huge query string": raw_request(port, head("GET", "/api/v1/orders?junk=" + "x" * 9000, key)),
        # Over Tessera's 8,000 characters, under gunicorn's 8,190-byte request line (gunicorn.conf.py).
        "long query string": raw_request(port, head("GET", "/api/v1/orders?junk=" + "x" * 8050, key)),
        "1,001 parameters": raw_request(port, head("GET", "/api/v1/orders?" + "a=&" * 1001, key)),
        "2 MiB body": raw_request(
            port,
            head("POST", "/api/v1/orders", key, **json_headers, **{"Content-Length": str(len(oversized))}),
            oversized,
        ),
        "body shorter than said": raw_request(
            port, head("POST", "/api/v1/orders", key, **json_headers, **{"Content-Length": "100"}), b'{"of'
        ),
        "not utf-8": raw_request(
            port,
            head("POST", "/api/v1/orders", key, **json_headers, **{"Content-Length": "8"}),
            b'{"\xff\xfe": 1}'[:8],
        ),
    }
    # A control character in a header: refused by gunicorn or by Tessera (400); never a 5xx.
    control, _ = raw_request(port, head("GET", "/api/v1/orders", key, **{"X-Client-Name": "a\x01b"}))
    assert control < 500

    troubles = {
        name: (status, body[:200]) for name, (status, body) in answers.items() if not 400 <= status < 500
    }
    assert troubles == {}
    for name in ("2 MiB body", "not utf-8", "1,001 parameters", "long query string"):
        assert b'"errorCode"' in answers[name][1], f"{name}: not a problem+json body"
    status, _ = raw_request(port, head("GET", "/api/v1/products", key))
    assert status == 200, "the server stopped serving"
