"""The sandbox supplier: deterministic, configurable per product, no outside service.

A product's ``settings`` choose how the sandbox behaves (all optional):

``latency``             seconds each reserve/issue call takes (0-30; scaled by SANDBOX_TIME_SCALE)
``fail``                "reserve" or "issue": that call is refused for good
``transient_failures``  the first N calls of each operation fail with a retryable error
``timeout``             "reserve" or "issue": the call is carried out but its answer is lost
                        (SupplierTimeout), so the line goes UNKNOWN until reconciled
``error_rate``          fraction (0-1) of reserve and issue calls refused as busy (retryable)
``timeout_rate``        fraction (0-1) of reserve and issue calls carried out whose answer is lost
                        (SupplierTimeout). Both are drawn from a hash of the line, the operation
                        and the call's number, so a run repeats exactly and a retry draws afresh
``partial``             true: issuing fails for every second line of the order (positions 2, 4, ...)
``late``                seconds after acceptance before issued vouchers are delivered (delayed)
``booking``             "order": all lines of an order are reserved, issued, released, asked
                        about and refunded in one call, with one reference (as airlines and
                        rail operators book); the default books line by line. A whole booking
                        is busy, slow, refused or lost at once; ``partial`` still refuses
                        single lines, and so do a release of an issued line and a refund of
                        one not issued
``refund``              "refuse" to refuse refunds; ``refund_fee`` a fee kept on refunds

The supplier's own ``settings`` may say ``{"down": true}``: then ``ping`` (the admin's "test
connection") fails as an unreachable supplier would.

The sandbox remembers what it was asked in SandboxBooking, as a real supplier's system would:
a repeated call with the same idempotency key returns the first answer, and an issue call with a
new key issues again (which is what Tessera must never cause).
"""

import hashlib
import hmac
import time
from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from suppliers.adapters import register
from suppliers.adapters.base import (
    Booking,
    BooksLineByLine,
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
from suppliers.models import SandboxBooking, SupplierKind

MAX_LATENCY_SECONDS = 30.0


@register("sandbox")
class SandboxAdapter(BooksLineByLine):
    def __init__(self, supplier) -> None:
        self.supplier = supplier

    # --- the protocol ---------------------------------------------------------------------

    def reserve(self, line, *, idempotency_key: str) -> Reservation:
        behaviour = _behaviour(line)
        with transaction.atomic():
            booking = _booking_for(line, lock=True)
            booking.reserve_calls += 1
            busy = _busy(behaviour, booking.reserve_calls, "reserve") or _busy_by_chance(
                behaviour, line, booking.reserve_calls, "reserve"
            )
            changed = ["reserve_calls"]
            if busy is None and behaviour.get("fail") != "reserve" and booking.state == RemoteState.NOT_FOUND:
                booking.state = RemoteState.RESERVED
                booking.reserved_at = timezone.now()
                changed += ["state", "reserved_at"]
            booking.save(update_fields=changed)
        if busy is not None:
            raise busy
        _sleep(behaviour)
        if behaviour.get("fail") == "reserve":
            raise PermanentSupplierError("Sold out on the requested departure.", code="SOLD_OUT")
        if behaviour.get("timeout") == "reserve" or _lost_by_chance(
            behaviour, line, booking.reserve_calls, "reserve"
        ):
            raise SupplierTimeout("The supplier did not answer the reservation in time.")
        return Reservation(reference=booking.booking_ref, expires_at=None)

    def issue(self, line, *, idempotency_key: str) -> Issuance:
        behaviour = _behaviour(line)
        with transaction.atomic():
            booking = _booking_for(line, lock=True)
            booking.issue_calls += 1
            busy = _busy(behaviour, booking.issue_calls, "issue") or _busy_by_chance(
                behaviour, line, booking.issue_calls, "issue"
            )
            booking.save(update_fields=["issue_calls"])
            if busy is None:
                accepted = _accept_issue(booking, line, idempotency_key, behaviour)
        if busy is not None:
            raise busy
        _sleep(behaviour)
        return self._issue_answer(line, idempotency_key, behaviour, *accepted)

    def _issue_answer(self, line, idempotency_key, behaviour, booking, refusal, newly_accepted) -> Issuance:
        if refusal is not None:
            raise refusal
        if behaviour.get("timeout") == "issue" or _lost_by_chance(
            behaviour, line, booking.issue_calls, "issue"
        ):
            raise SupplierTimeout("The supplier did not answer the issue request in time.")
        if newly_accepted and behaviour.get("late"):
            # Delayed delivery: the first answer is only an acceptance; vouchers come via status.
            return Issuance(IssueState.PENDING, booking.booking_ref)
        if newly_accepted:
            return Issuance(IssueState.ISSUED, booking.booking_ref, _items(line, booking))
        report = self.status(line, idempotency_key=idempotency_key)
        if report.state == RemoteState.ISSUED:
            return Issuance(IssueState.ISSUED, booking.booking_ref, report.items)
        return Issuance(IssueState.PENDING, booking.booking_ref)

    # --- whole bookings (products whose settings say {"booking": "order"}) -------------------

    def reserve_booking(self, booking: Booking) -> LineResults[Reservation]:
        if not _books_per_order(booking):
            return super().reserve_booking(booking)
        behaviour = _behaviour(booking.lines[0])
        with transaction.atomic():
            record = _booking_record(booking, "reserve")
            busy = _busy(behaviour, record.reserve_calls, "reserve")
            if busy is None and behaviour.get("fail") != "reserve":
                for line in booking.lines:
                    row = _booking_for(line, lock=True)
                    if row.state == RemoteState.NOT_FOUND:
                        row.state = RemoteState.RESERVED
                        row.reserved_at = timezone.now()
                        row.save(update_fields=["state", "reserved_at"])
        if busy is not None:
            raise busy
        _sleep(behaviour)
        if behaviour.get("fail") == "reserve":
            raise PermanentSupplierError("Sold out on the requested departure.", code="SOLD_OUT")
        if behaviour.get("timeout") == "reserve":
            raise SupplierTimeout("The supplier did not answer the reservation in time.")
        return {line.pk: Reservation(reference=record.booking_ref) for line in booking.lines}

    def issue_booking(self, booking: Booking) -> LineResults[Issuance]:
        if not _books_per_order(booking):
            return super().issue_booking(booking)
        behaviour = _behaviour(booking.lines[0])
        with transaction.atomic():
            record = _booking_record(booking, "issue")
            busy = _busy(behaviour, record.issue_calls, "issue")
            if busy is None:
                accepted = {
                    line.pk: _accept_issue(
                        _booking_for(line, lock=True), line, booking.key_of(line), behaviour
                    )
                    for line in booking.lines
                }
        if busy is not None:
            raise busy
        _sleep(behaviour)
        results: LineResults[Issuance] = {}
        for line in booking.lines:
            try:
                results[line.pk] = self._issue_answer(
                    line, booking.key_of(line), behaviour, *accepted[line.pk]
                )
            except SupplierError as exc:
                results[line.pk] = exc
        return results

    def cancel_booking(self, booking: Booking) -> LineResults[Released]:
        if not _books_per_order(booking):
            return super().cancel_booking(booking)
        with transaction.atomic():  # one call: every line's answer in one go
            return super().cancel_booking(booking)

    def status_booking(self, booking: Booking) -> LineResults[StatusReport]:
        if not _books_per_order(booking):
            return super().status_booking(booking)
        with transaction.atomic():
            return super().status_booking(booking)

    def refund_booking(self, booking: Booking) -> LineResults[RefundResult]:
        if not _books_per_order(booking):
            return super().refund_booking(booking)
        with transaction.atomic():
            return super().refund_booking(booking)

    def cancel(self, line, *, idempotency_key: str) -> None:
        with transaction.atomic():
            booking = _booking_for(line, lock=True)
            if booking.state in {RemoteState.ISSUED, RemoteState.ISSUE_PENDING}:
                raise PermanentSupplierError("Already issued; ask for a refund.", code="ALREADY_ISSUED")
            if booking.state != RemoteState.RELEASED:
                booking.state = RemoteState.RELEASED
                booking.released_at = timezone.now()
                booking.save(update_fields=["state", "released_at"])

    def refund(self, line, *, idempotency_key: str, amount: Decimal) -> RefundResult:
        behaviour = _behaviour(line)
        if behaviour.get("refund") == "refuse":
            raise PermanentSupplierError("This fare is not refundable.", code="NOT_REFUNDABLE")
        with transaction.atomic():
            booking = _booking_for(line, lock=True)
            if booking.state not in {RemoteState.ISSUED, RemoteState.REFUNDED}:
                raise PermanentSupplierError("Nothing issued to refund.", code="NOT_ISSUED")
            booking.state = RemoteState.REFUNDED
            booking.save(update_fields=["state"])
        fee = min(Decimal(str(behaviour.get("refund_fee", "0"))), amount)
        return RefundResult(refunded=amount - fee, fee=fee, reference=f"{booking.booking_ref}-R")

    def status(self, line, *, idempotency_key: str) -> StatusReport:
        behaviour = _behaviour(line)
        booking = SandboxBooking.objects.filter(line_key=_line_key(line)).first()
        if booking is None or booking.state == RemoteState.NOT_FOUND:
            return StatusReport(RemoteState.NOT_FOUND)
        if booking.state == RemoteState.ISSUE_PENDING:
            due = booking.issue_accepted_at + timedelta(seconds=_scaled(behaviour.get("late", 0)))
            if timezone.now() < due:
                return StatusReport(RemoteState.ISSUE_PENDING, booking.booking_ref)
            SandboxBooking.objects.filter(pk=booking.pk, state=RemoteState.ISSUE_PENDING).update(
                state=RemoteState.ISSUED
            )
            booking.state = RemoteState.ISSUED
        if booking.state == RemoteState.ISSUED:
            return StatusReport(RemoteState.ISSUED, booking.booking_ref, _items(line, booking))
        return StatusReport(RemoteState(booking.state), booking.booking_ref)

    def ping(self) -> str:
        """The supplier's own ``settings``: ``{"down": true}`` makes it unreachable (for the admin's
        "test connection")."""
        if self.supplier.settings.get("down"):
            raise RetryableSupplierError("The sandbox supplier does not answer (its settings say down).")
        return "The sandbox supplier answers."


# --- helpers ------------------------------------------------------------------------------


def _accept_issue(booking: SandboxBooking, line, idempotency_key: str, behaviour: dict):
    """Record an issue request the supplier takes (before answering, as a real one would)."""
    refusal = _issue_refusal(behaviour, line)
    newly_accepted = refusal is None and idempotency_key not in booking.issued_keys
    if newly_accepted:
        booking.issued_keys = [*booking.issued_keys, idempotency_key]
        booking.state = RemoteState.ISSUE_PENDING if behaviour.get("late") else RemoteState.ISSUED
        booking.issue_accepted_at = timezone.now()
        booking.save(update_fields=["issued_keys", "state", "issue_accepted_at"])
    return booking, refusal, newly_accepted


def _books_per_order(booking: Booking) -> bool:
    return all(line.product.settings.get("booking") == "order" for line in booking.lines)


def _booking_record(booking: Booking, operation: str) -> SandboxBooking:
    """The sandbox's row for a whole booking: its reference, and how many calls it got."""
    key = f"booking:{booking.key.rsplit(':', 1)[0]}"
    SandboxBooking.objects.get_or_create(
        line_key=key, defaults={"booking_ref": _booking_ref(key), "state": RemoteState.RESERVED}
    )
    record = SandboxBooking.objects.select_for_update().get(line_key=key)
    field = f"{operation}_calls"
    setattr(record, field, getattr(record, field) + 1)
    record.save(update_fields=[field])
    return record


def _behaviour(line) -> dict:
    return line.product.settings or {}


def _line_key(line) -> str:
    return f"line:{line.pk}"


def _booking_for(line, *, lock: bool) -> SandboxBooking:
    key = _line_key(line)
    queryset = SandboxBooking.objects.select_for_update() if lock else SandboxBooking.objects
    booking = queryset.filter(line_key=key).first()
    if booking is not None:
        return booking
    try:
        with transaction.atomic():
            return SandboxBooking.objects.create(
                booking_ref=_booking_ref(key), line_key=key, state=RemoteState.NOT_FOUND
            )
    except IntegrityError:
        return queryset.get(line_key=key)


def _booking_ref(key: str) -> str:
    digest = hmac.new(settings.SECRET_KEY.encode(), key.encode(), hashlib.sha256).hexdigest()
    return "SBX" + digest[:12].upper()


def _scaled(seconds) -> float:
    return min(float(seconds or 0), MAX_LATENCY_SECONDS) * settings.SANDBOX_TIME_SCALE


def _sleep(behaviour: dict) -> None:
    delay = _scaled(behaviour.get("latency", 0))
    if delay > 0:
        time.sleep(delay)


def _busy(behaviour: dict, call_number: int, operation: str) -> RetryableSupplierError | None:
    """The first ``transient_failures`` calls of an operation find the supplier busy."""
    if call_number <= int(behaviour.get("transient_failures", 0)):
        return RetryableSupplierError(
            f"Supplier busy ({operation} call {call_number}); try again shortly.", code="BUSY"
        )
    return None


def _draw(line, call_number: int, operation: str) -> float:
    """A number in [0, 1) fixed by the line, the operation and the call's number."""
    seed = f"{_line_key(line)}:{operation}:{call_number}".encode()
    return int.from_bytes(hashlib.sha256(seed).digest()[:8], "big") / 2**64


def _busy_by_chance(behaviour: dict, line, call_number: int, operation: str) -> RetryableSupplierError | None:
    """``error_rate`` of the calls find the supplier busy (the low draws)."""
    if _draw(line, call_number, operation) < float(behaviour.get("error_rate", 0)):
        return RetryableSupplierError(
            f"Supplier overloaded ({operation} call {call_number}); try again shortly.", code="BUSY"
        )
    return None


def _lost_by_chance(behaviour: dict, line, call_number: int, operation: str) -> bool:
    """``timeout_rate`` of the calls lose their answer: the draws just above ``error_rate``, so the
    two rates add up and never pick the same call."""
    errors = float(behaviour.get("error_rate", 0))
    return errors <= _draw(line, call_number, operation) < errors + float(behaviour.get("timeout_rate", 0))


def _issue_refusal(behaviour: dict, line) -> PermanentSupplierError | None:
    if behaviour.get("fail") == "issue":
        return PermanentSupplierError("The supplier could not issue this item.", code="ISSUE_REFUSED")
    if behaviour.get("partial") and line.position % 2 == 0:
        return PermanentSupplierError("Out of stock for this item.", code="OUT_OF_STOCK")
    return None


def _items(line, booking: SandboxBooking) -> list[DeliveredItem]:
    """What the supplier delivers for a line: derived, so the sandbox stores no secrets."""
    seed = hmac.new(settings.SECRET_KEY.encode(), booking.booking_ref.encode(), hashlib.sha256)
    digits = str(int(seed.hexdigest(), 16))
    now = timezone.now()
    if line.product.kind == SupplierKind.VOUCHER:
        code = "-".join(seed.hexdigest()[i : i + 4].upper() for i in range(0, 16, 4))
        return [
            DeliveredItem(
                kind="code",
                collection_reference=booking.booking_ref,
                code=code,
                pin=digits[:4],
                url=f"https://sandbox.tessera.invalid/redeem/{seed.hexdigest()[:24]}",
                secret=f"ACT-{seed.hexdigest()[24:40].upper()}",
                valid_from=now,
                valid_until=now + timedelta(days=365),
            )
        ]
    return [
        DeliveredItem(
            kind="ticket",
            collection_reference=booking.booking_ref,
            code=f"TKT{digits[:10]}",
            valid_from=line.starts_at - timedelta(hours=2) if line.starts_at else now,
            valid_until=line.starts_at + timedelta(hours=12) if line.starts_at else None,
        )
    ]
