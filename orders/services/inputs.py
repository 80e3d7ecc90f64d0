"""The plain data a caller hands to the order services (API serializers build these)."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal


@dataclass(frozen=True, kw_only=True)
class TravellerInput:
    given_name: str
    family_name: str
    born_on: date | None = None
    email: str = ""
    phone: str = ""
    external_id: str = ""


@dataclass(frozen=True, kw_only=True)
class ContactInput:
    name: str = ""
    email: str = ""
    phone: str = ""
    language: str = ""  # one of settings.LANGUAGES; empty: the site's on create, unchanged on edit


@dataclass(frozen=True, kw_only=True)
class LineInput:
    """A line ordered straight from a product: quoted inline and kept as an Offer snapshot."""

    product_id: int
    quantity: int = 1
    denomination: Decimal | str | None = None


@dataclass(frozen=True, kw_only=True)
class PaymentInput:
    """How an instant order is paid, chosen with it, and the total the partner agreed to."""

    method: str
    expected_amount: Decimal | str
    expected_currency: str
