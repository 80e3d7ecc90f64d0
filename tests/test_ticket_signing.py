"""The QR payload: Tessera's signature makes it genuine; any change, other key or junk is refused."""

import uuid
from datetime import UTC, datetime

import pytest

from orders.models import Voucher
from orders.ticket_signing import read_ticket_payload, ticket_payload

VALID_UNTIL = datetime(2031, 5, 17, 22, 0, tzinfo=UTC)


def voucher(valid_until=VALID_UNTIL) -> Voucher:
    return Voucher(id=uuid.uuid4(), valid_until=valid_until)


def test_a_payload_is_compact_text_naming_the_voucher_and_its_end_and_reads_back():
    ticket = voucher()

    payload = ticket_payload(ticket)

    version, voucher_hex, until, signature = payload.split(".")
    assert (version, voucher_hex, until) == ("TQ1", ticket.pk.hex, str(int(VALID_UNTIL.timestamp())))
    assert len(signature) == 43 and len(payload) < 100
    signed = read_ticket_payload(payload)
    assert (signed.voucher_id, signed.valid_until) == (ticket.pk, VALID_UNTIL)


def test_a_voucher_without_an_end_is_signed_with_zero():
    payload = ticket_payload(voucher(valid_until=None))

    assert payload.split(".")[2] == "0"
    assert read_ticket_payload(payload).valid_until is None


def test_what_a_scanner_adds_around_the_text_does_not_matter():
    payload = ticket_payload(voucher())

    assert read_ticket_payload(f"  {payload}\r\n") is not None


def change(payload: str, part: int, value: str) -> str:
    parts = payload.split(".")
    parts[part] = value
    return ".".join(parts)


@pytest.mark.parametrize(
    "forge",
    [
        pytest.param(lambda p: change(p, 1, uuid.uuid4().hex), id="another voucher id"),
        pytest.param(lambda p: change(p, 2, "4102444800"), id="a later end"),
        pytest.param(lambda p: change(p, 2, "0"), id="no end"),
        pytest.param(lambda p: change(p, 0, "TQ2"), id="another version"),
        pytest.param(
            lambda p: change(p, 3, p.split(".")[3][:-1] + ("A" if p[-1] != "A" else "B")), id="signature"
        ),
        pytest.param(lambda p: p.rsplit(".", 1)[0], id="signature cut off"),
        pytest.param(lambda p: p.lower(), id="lower case"),
        pytest.param(lambda p: p + ".extra", id="an extra part"),
    ],
)
def test_any_change_to_a_payload_makes_it_not_genuine(forge):
    payload = ticket_payload(voucher())

    assert read_ticket_payload(forge(payload)) is None


def test_a_payload_signed_with_another_key_is_not_genuine(settings):
    settings.TICKET_SIGNING_KEY = "a key someone made up"
    forged = ticket_payload(voucher())
    settings.TICKET_SIGNING_KEY = "the installation's real key"

    assert read_ticket_payload(forged) is None


@pytest.mark.parametrize(
    "junk",
    ["", "TQ1", "TQ1...", "hello world", "TQ1." + "a" * 500, "https://example.com/ticket/123", "\x00\x01"],
)
def test_junk_is_not_genuine(junk):
    assert read_ticket_payload(junk) is None
