"""The plain data a caller hands to the order services (API serializers build these)."""

from dataclasses import dataclass
from datetime import date


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
