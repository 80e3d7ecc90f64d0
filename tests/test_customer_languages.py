"""The customer's pages speak the customer's language: English, Norwegian Bokmål, Dutch or German,
chosen from the browser's Accept-Language or the pages' switcher, PDFs included. The back office
and the partner API stay English whatever the browser asks for.
"""

import gettext
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.test import Client

from tests.api_support import client_for
from tests.gateway_support import Customer, paid, reserved_order
from tests.ticket_support import pdf_text

pytestmark = pytest.mark.django_db

LOCALE = Path(settings.BASE_DIR) / "locale"

# One sentence of each page, per language.
STATUS_PAGE = {
    "en": "Reserved for you, waiting for payment",
    "nb": "Reservert for deg, venter på betaling",
    "nl": "Voor je gereserveerd, wacht op betaling",
    "de": "Für Sie reserviert, wartet auf Zahlung",
}


def text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


@pytest.mark.parametrize("language", STATUS_PAGE)
def test_the_status_page_speaks_the_browsers_language(language):
    # given a customer whose browser prefers the language (then English)
    customer = Customer(reserved_order())

    # when they open their order's status page
    page = customer.http.get(customer.url("status"), headers={"Accept-Language": f"{language},en;q=0.5"})

    # then it is written in that language, and says so
    html = text(page)
    assert f'<html lang="{language}">' in html
    assert STATUS_PAGE[language] in html
    assert page["Content-Language"] == language


def test_an_unknown_language_gets_english():
    customer = Customer(reserved_order())

    page = customer.http.get(customer.url(), headers={"Accept-Language": "fi-FI,fi;q=0.9"})

    assert '<html lang="en">' in text(page) and "Pay 100.00 EUR" in text(page)


def test_the_switcher_changes_the_language_and_keeps_it():
    # given a customer whose browser asks for German on the checkout page
    customer = Customer(reserved_order())
    headers = {"Accept-Language": "de"}
    assert "100.00 EUR bezahlen" in text(customer.http.get(customer.url(), headers=headers))

    # when they choose Norsk in the switcher
    switched = customer.http.post(
        "/i18n/setlang/", {"language": "nb", "next": customer.url()}, headers=headers
    )

    # then they are back on the page, now in Norwegian, and stay so on the next page
    assert switched.status_code == 302 and switched["Location"] == customer.url()
    assert "Betal 100.00 EUR" in text(customer.http.get(customer.url(), headers=headers))
    assert "Reservert for deg" in text(customer.http.get(customer.url("status"), headers=headers))


def test_every_page_offers_the_switcher_in_each_language_own_name():
    customer = Customer(paid(reserved_order()))

    for page in ("", "status", "tickets", "receipt"):
        html = text(customer.open(page))
        assert 'action="/i18n/setlang/"' in html
        for code, name in [
            ("en", "English"),
            ("nb", "Norsk (bokmål)"),
            ("nl", "Nederlands"),
            ("de", "Deutsch"),
        ]:
            assert f'name="language" value="{code}" lang="{code}"' in html and name in html


def test_the_sandbox_bank_speaks_the_customers_language():
    customer = Customer(reserved_order())
    bank = customer.http.post(customer.url("pay"))["Location"]

    page = text(customer.http.get(bank, headers={"Accept-Language": "nl"}))

    assert '<html lang="nl">' in page and "Kaart weigeren" in page


def test_the_receipt_and_tickets_pdfs_are_translated():
    customer = Customer(paid(reserved_order()))
    headers = {"Accept-Language": "nb"}

    receipt = pdf_text(customer.http.get(customer.url("receipt.pdf"), headers=headers).content)
    tickets = pdf_text(customer.http.get(customer.url("tickets.pdf"), headers=headers).content)

    assert "Kvittering for bestilling" in receipt and "Betalingsmåte" in receipt
    assert "Billetter for bestilling" in tickets and "Reisende" not in tickets and "Hva" in tickets


def test_the_admin_and_the_partner_api_stay_english():
    # given a staff member and a partner whose browsers prefer Norwegian
    get_user_model().objects.create_superuser("boss", "boss@example.com", "pw")
    staff = Client()
    staff.login(username="boss", password="pw")
    partner = client_for(reserved_order().partner)

    # when they use the back office and the API
    admin_page = staff.get("/admin/", headers={"Accept-Language": "nb"})
    problem = partner.get("/orders/not-an-order", **{"Accept-Language": "nb"})

    # then both answer in English
    assert '<html lang="en"' in admin_page.content.decode() and "Log out" in admin_page.content.decode()
    assert "Content-Language" not in problem
    assert problem.json()["title"].isascii()


@pytest.mark.parametrize("language", ["nb", "nl", "de"])
def test_every_message_is_translated_and_compiled(language):
    """CI has no gettext: the compiled catalogue is committed, so it must match the .po file."""
    po = (LOCALE / language / "LC_MESSAGES" / "django.po").read_text()
    entries = len(re.findall(r"^msgid ", po, flags=re.MULTILINE)) - 1  # the header
    assert not re.search(r'^msgstr ""\n\n', po, flags=re.MULTILINE), "an untranslated message"
    assert "#, fuzzy" not in po

    with open(LOCALE / language / "LC_MESSAGES" / "django.mo", "rb") as compiled:
        catalogue = gettext.GNUTranslations(compiled)._catalog  # noqa: SLF001 - the only way in

    messages = {key for key in catalogue if key != ""}
    assert len({key[0] if isinstance(key, tuple) else key for key in messages}) == entries
    assert all(catalogue[key] for key in messages)


def test_a_mistyped_link_gets_a_page_that_says_what_to_do_in_the_customers_language():
    reserved_order()

    english = Client().get(f"/checkout/{'A' * 32}/status")
    norwegian = Client().get(f"/checkout/{'A' * 32}/status", headers={"Accept-Language": "nb"})

    assert english.status_code == norwegian.status_code == 404
    assert "the long code at its end must be complete" in text(english)
    assert "Vi finner ikke denne siden" in text(norwegian)


def test_a_refused_pay_button_explains_itself_in_the_customers_language():
    order = reserved_order()
    browser = Client(enforce_csrf_checks=True)

    refused = browser.post(f"/checkout/{order.order_key}/pay", headers={"Accept-Language": "de"})

    assert refused.status_code == 403
    assert "Bitte versuchen Sie es noch einmal" in text(refused) and "CSRF" not in text(refused)
