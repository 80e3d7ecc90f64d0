"""A supplier over HTTP speaking Tessera's small JSON protocol (docs/supplier-protocol.md).

The Supplier row's ``settings`` give ``base_url`` (e.g. ``http://127.0.0.1:8001``) and
optionally ``token`` (sent as a bearer token); its ``connect_timeout_seconds`` and
``read_timeout_seconds`` bound each call. One booking is one call (reserve, issue, cancel,
status, refund); the booking's idempotency key travels in the ``Idempotency-Key`` header and
each line's own key in the body. A call about one line is a booking of that line. An exchange
is a line with ``replaces`` in the same calls (reserve holds it, issue confirms it, cancel
releases it), sent only to a Supplier with ``supports_exchange``.

Every way a call can go wrong maps to one typed error, by what the supplier may have done:

* connection refused, connect timeout, 503/502/504, 5xx: ``RetryableSupplierError`` (nothing
  happened, or a retry with the same key is safe);
* 429: ``RetryableSupplierError`` carrying the supplier's ``Retry-After`` seconds;
* read timeout, a body too slow or cut off, or a 200 whose body is not the protocol's JSON:
  ``SupplierTimeout`` (the supplier may have done it; ``status`` tells);
* 4xx: ``PermanentSupplierError`` with the supplier's code and reason.
"""

import threading
from dataclasses import replace
from datetime import datetime
from decimal import Decimal

import httpx

from suppliers.adapters import register
from suppliers.adapters.base import (
    Booking,
    BookingLine,
    DeliveredItem,
    Issuance,
    IssueState,
    LineResults,
    PermanentSupplierError,
    RefundResult,
    Released,
    RemoteState,
    Reservation,
    RetryableSupplierError,
    StatusReport,
    SupplierError,
    SupplierTimeout,
)

_clients: dict[tuple, httpx.Client] = {}
_clients_lock = threading.Lock()


def _client(base_url: str, connect: float, read: float) -> httpx.Client:
    """One pooled client per endpoint and timeouts, shared by the worker's threads (httpx's
    Client is thread-safe), so calls reuse connections."""
    key = (base_url, connect, read)
    with _clients_lock:
        client = _clients.get(key)
        if client is None:
            client = httpx.Client(
                base_url=base_url,
                timeout=httpx.Timeout(connect=connect, read=read, write=read, pool=read),
                limits=httpx.Limits(max_connections=200, max_keepalive_connections=20),
            )
            _clients[key] = client
        return client


class Throttled(RetryableSupplierError):  # noqa: N818 - named for what the supplier said
    def __init__(self, message: str, *, retry_after: float | None) -> None:
        super().__init__(message, code="THROTTLED")
        self.retry_after = retry_after


@register("http_json")
class HttpJsonAdapter:
    books_per_order = True
    exchanges = True  # lines with ``replaces`` go as the protocol's exchanges
    remote = True  # waits on the network: the worker's thread gives its DB connection back

    def __init__(self, supplier) -> None:
        self.supplier = supplier
        base_url = (supplier.settings or {}).get("base_url", "")
        if not base_url:
            raise PermanentSupplierError(f"{supplier}: settings have no base_url", code="MISCONFIGURED")
        self.client = _client(base_url, supplier.connect_timeout_seconds, supplier.read_timeout_seconds)
        token = (supplier.settings or {}).get("token")
        self.headers = {"Authorization": f"Bearer {token}"} if token else {}

    # --- bookings -------------------------------------------------------------------------

    def reserve_booking(self, booking: Booking) -> LineResults[Reservation]:
        answer = self._post("/v1/reserve", _booking_body(booking), key=booking.key)
        results: LineResults[Reservation] = {}
        for line in _answered_lines(answer):
            if line.get("status") == "RESERVED":
                results[line["line"]] = Reservation(
                    reference=str(line.get("reference") or answer["reference"]),
                    price=_amount(line.get("price")),
                )
            else:
                results[line["line"]] = _refusal(line)
        return results

    def issue_booking(self, booking: Booking) -> LineResults[Issuance]:
        answer = self._post("/v1/issue", _booking_body(booking), key=booking.key)
        results: LineResults[Issuance] = {}
        for line in _answered_lines(answer):
            reference = str(line.get("reference") or answer.get("reference", ""))
            if line.get("status") == "ISSUED":
                results[line["line"]] = Issuance(IssueState.ISSUED, reference, _items(line.get("items")))
            elif line.get("status") == "PENDING":
                results[line["line"]] = Issuance(IssueState.PENDING, reference)
            else:
                results[line["line"]] = _refusal(line)
        return results

    def cancel_booking(self, booking: Booking) -> LineResults[Released]:
        answer = self._post("/v1/cancel", _booking_body(booking), key=booking.key)
        results: LineResults[Released] = {}
        for line in _answered_lines(answer):
            if line.get("status") == "RELEASED":
                results[line["line"]] = Released(reference=str(line.get("reference", "")))
            else:
                results[line["line"]] = _refusal(line)
        return results

    def status_booking(self, booking: Booking) -> LineResults[StatusReport]:
        answer = self._post("/v1/status", _booking_body(booking), key="")
        results: LineResults[StatusReport] = {}
        for line in _answered_lines(answer):
            try:
                state = RemoteState(line["state"])
            except (KeyError, ValueError):
                results[line["line"]] = SupplierTimeout("the supplier's status answer is malformed")
                continue
            results[line["line"]] = StatusReport(
                state,
                str(line.get("reference", "")),
                _items(line.get("items")) if state == RemoteState.ISSUED else [],
                str(line.get("reason", "")),
            )
        return results

    def refund_booking(self, booking: Booking) -> LineResults[RefundResult]:
        body = _booking_body(booking)
        for line, sent in zip(booking.lines, body["lines"], strict=True):
            sent["amount"] = str(line.amount)
        answer = self._post("/v1/refund", body, key=booking.key)
        results: LineResults[RefundResult] = {}
        for line in _answered_lines(answer):
            if line.get("status") != "REFUNDED":
                results[line["line"]] = _refusal(line)
                continue
            try:
                results[line["line"]] = RefundResult(
                    refunded=Decimal(str(line["refunded"])),
                    fee=Decimal(str(line.get("fee", "0"))),
                    reference=str(line.get("reference", "")),
                )
            except (KeyError, ArithmeticError) as exc:
                results[line["line"]] = SupplierTimeout(f"the supplier's refund answer is malformed ({exc})")
        return results

    # --- one line -------------------------------------------------------------------------

    def reserve(self, line: BookingLine, *, idempotency_key: str) -> Reservation:
        return _single(self.reserve_booking(_alone(line, idempotency_key)), line)

    def issue(self, line: BookingLine, *, idempotency_key: str) -> Issuance:
        return _single(self.issue_booking(_alone(line, idempotency_key)), line)

    def cancel(self, line: BookingLine, *, idempotency_key: str) -> None:
        _single(self.cancel_booking(_alone(line, idempotency_key)), line)

    def refund(self, line: BookingLine, *, idempotency_key: str, amount: Decimal) -> RefundResult:
        return _single(self.refund_booking(_alone(replace(line, amount=amount), idempotency_key)), line)

    def status(self, line: BookingLine, *, idempotency_key: str) -> StatusReport:
        return _single(self.status_booking(_alone(line, idempotency_key)), line)

    def ping(self) -> str:
        answer = self._send("GET", "/v1/ping", None, key="")
        return f"{answer.get('supplier', 'the supplier')} answers"

    # --- the wire -------------------------------------------------------------------------

    def _post(self, path: str, body: dict, *, key: str) -> dict:
        return self._send("POST", path, body, key=key)

    def _send(self, method: str, path: str, body: dict | None, *, key: str) -> dict:
        headers = {**self.headers, **({"Idempotency-Key": key} if key else {})}
        try:
            response = self.client.request(method, path, json=body, headers=headers)
        except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
            raise RetryableSupplierError(f"cannot reach the supplier: {exc}", code="UNREACHABLE") from None
        except (httpx.ReadTimeout, httpx.WriteTimeout) as exc:
            raise SupplierTimeout(f"no answer in time: {type(exc).__name__}") from None
        except (httpx.RemoteProtocolError, httpx.ReadError) as exc:
            raise SupplierTimeout(f"the answer was cut off: {exc}") from None
        except httpx.HTTPError as exc:
            raise SupplierTimeout(f"the call failed midway: {exc}") from None
        if response.status_code == 429:
            raise Throttled(
                "the supplier asks to slow down", retry_after=_seconds(response.headers.get("Retry-After"))
            )
        if response.status_code >= 500:
            raise RetryableSupplierError(
                f"the supplier answered {response.status_code}: {_reason(response)}",
                code="SUPPLIER_UNAVAILABLE",
            )
        if response.status_code >= 400:
            code, reason = _code_and_reason(response)
            raise PermanentSupplierError(reason, code=code)
        try:
            answer = response.json()
        except ValueError:
            raise SupplierTimeout("the supplier's answer is not JSON") from None
        if not isinstance(answer, dict):
            raise SupplierTimeout("the supplier's answer is not a JSON object")
        return answer


# --- helpers ------------------------------------------------------------------------------


def _booking_body(booking: Booking) -> dict:
    return {
        "booking": booking.key,
        "order": booking.order_reference,
        "lines": [_line_body(line, booking.key_of(line)) for line in booking.lines],
    }


def _line_body(line: BookingLine, key: str) -> dict:
    body = {
        "line": line.pk,
        "key": key,
        "position": line.position,
        "product": line.product.supplier_reference,
        "kind": line.product.kind,
        "traveller": line.traveller,
        "denomination": str(line.denomination) if line.denomination is not None else None,
        "startsAt": line.starts_at.isoformat() if line.starts_at else None,
    }
    if line.replaces is not None:
        body["replaces"] = {"line": line.replaces.pk, "reference": line.replaces.reference}
    return body


def _alone(line: BookingLine, key: str) -> Booking:
    return Booking(
        key=key,
        order_reference=line.order_reference,
        supplier=line.supplier,
        lines=(line,),
        line_keys={line.pk: key},
    )


def _single(results: LineResults, line: BookingLine):
    answer = results.get(line.pk, SupplierTimeout("the supplier's answer left the line out"))
    if isinstance(answer, SupplierError):
        raise answer
    return answer


def _answered_lines(answer: dict) -> list[dict]:
    lines = answer.get("lines")
    if not isinstance(lines, list) or not all(isinstance(line, dict) and "line" in line for line in lines):
        raise SupplierTimeout("the supplier's answer has no lines")
    return lines


def _refusal(line: dict) -> PermanentSupplierError:
    return PermanentSupplierError(
        str(line.get("reason") or "refused"), code=str(line.get("code") or "REFUSED")
    )


def _items(raw) -> list[DeliveredItem]:
    items = []
    for item in raw or []:
        items.append(
            DeliveredItem(
                kind=str(item.get("kind", "ticket")),
                collection_reference=str(item.get("collectionReference", "")),
                code=item.get("code"),
                pin=item.get("pin"),
                url=item.get("url"),
                secret=item.get("secret"),
                valid_from=_when(item.get("validFrom")),
                valid_until=_when(item.get("validUntil")),
            )
        )
    return items


def _amount(value) -> Decimal | None:
    """An optional amount of an answer; one that is not a number is left out (it is told, not used)."""
    try:
        return Decimal(str(value)) if value is not None else None
    except ArithmeticError:
        return None


def _when(value) -> datetime | None:
    try:
        return datetime.fromisoformat(value) if value else None
    except (TypeError, ValueError):
        return None


def _seconds(value: str | None) -> float | None:
    try:
        return max(float(value), 0.0) if value else None
    except ValueError:
        return None


def _code_and_reason(response: httpx.Response) -> tuple[str, str]:
    try:
        body = response.json()
        return str(body.get("code") or "REFUSED"), str(body.get("reason") or response.reason_phrase)
    except (ValueError, AttributeError):
        return "REFUSED", f"{response.status_code} {response.reason_phrase}"


def _reason(response: httpx.Response) -> str:
    return _code_and_reason(response)[1]
