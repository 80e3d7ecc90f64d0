"""The customer's pages: checkout, status (in the seed's words), tickets and the receipt.

Reached only by the unguessable order key (a wrong key is the plain 404 of any unknown URL),
never cached, readable on a phone and by a screen reader, and their queries do not grow with the
number of lines.
"""

import re
from datetime import timedelta
from decimal import Decimal

import pypdfium2
import pytest
from django.test import Client
from django.utils import timezone

from checkout.statuses import PAYMENT_WORDS, payment_status_word
from orders.models import Order, OrderEvent, OrderLine
from orders.services import creation, fulfilment, inputs
from orders.services.cancellation import order_cancel, orders_expire_due
from orders.vouchers import voucher_secret
from payments.models import Payment, PaymentStatus
from payments.providers.base import PaymentState
from payments.services import finalization, gateway
from suppliers.models import Product, SupplierKind
from suppliers.services import offer_quote
from tessera.actors import Actor
from tests import factories
from tests.gateway_support import Customer, make_ready, paid, reserved_order
from tests.ticket_support import pdf_text

pytestmark = pytest.mark.django_db

PAGES = ["", "status", "tickets"]


def taxed_product(rate: str = "12.00", **options) -> Product:
    product = factories.product(**options)
    Product.objects.filter(pk=product.pk).update(tax_rate=Decimal(rate))
    return Product.objects.get(pk=product.pk)


def paid_order(
    *, quantity: int = 1, product_obj=None, order: Order | None = None, issue: bool = True
) -> Order:
    """A gateway order paid through the provider's word and, by default, issued."""
    return paid(order or reserved_order(quantity=quantity, product_obj=product_obj), issue=issue)


def text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


# --- status words --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "payment_statuses, word",
    [
        ([], "none"),
        (["CREATED"], "pending"),
        (["PENDING"], "pending"),
        (["PAID"], "paid"),
        (["PARTIALLY_REFUNDED"], "partial"),
        (["FAILED"], "cancelled"),
        (["CANCELED"], "cancelled"),
        (["REFUNDED"], "cancelled"),
        (["FAILED", "PENDING"], "pending"),
        (["CANCELED", "PAID"], "paid"),
        (["FAILED", "CANCELED"], "cancelled"),
    ],
)
def test_payment_status_in_the_seeds_words(payment_statuses, word):
    payments = [Payment(status=status) for status in payment_statuses]
    for n, payment in enumerate(payments):
        payment.created_at = n

    assert payment_status_word(payments) == word


@pytest.mark.parametrize(
    "step, word, sentence",
    [
        ("open", "none", "Not paid yet"),
        ("start", "pending", "Waiting for your bank to confirm"),
        ("pay", "paid", "Paid"),
        ("fail", "cancelled", "Card declined: nothing was charged"),
    ],
)
def test_status_page_shows_the_payment_status_as_it_happens(step, word, sentence):
    order = reserved_order()
    if step != "open":
        payment = gateway.payment_start(order_id=order.pk)
    if step in ("pay", "fail"):
        state = PaymentState.PAID if step == "pay" else PaymentState.FAILED
        gateway.payment_apply_state(
            payment_id=payment.pk, state=state, actor=Actor.system("tests"), source="test"
        )

    page = Customer(order).open("status")

    assert page.status_code == 200
    assert f'id="payment-status" data-status="{word}">{sentence}<' in page.content.decode()


def test_status_page_refreshes_itself_every_ten_seconds_only_while_pending():
    order = reserved_order()
    customer = Customer(order)
    idle = text(customer.open("status"))
    payment = gateway.payment_start(order_id=order.pk)
    pending = text(customer.open("status"))
    gateway.payment_apply_state(
        payment_id=payment.pk, state=PaymentState.PAID, actor=Actor.system("t"), source="t"
    )
    for line_id in order.lines.values_list("pk", flat=True):
        fulfilment.line_issue(line_id=line_id)
    done = text(customer.open("status"))

    assert 'http-equiv="refresh" content="10"' in pending
    assert "http-equiv" not in idle
    assert "http-equiv" not in done
    assert "Complete: your tickets are ready" in done
    assert "Your tickets" in done and "Receipt" in done


# --- keys ----------------------------------------------------------------------------------


@pytest.mark.parametrize("page", ["", "status", "tickets", "receipt", "receipt.pdf", "return"])
def test_a_wrong_key_is_the_same_plain_404_as_any_unknown_url(page):
    reserved_order()
    unknown = Client().get("/nothing-lives-here/")

    response = Client().get(f"/checkout/{'A' * 32}/{page}")

    assert response.status_code == 404
    assert response.content == unknown.content
    assert response["Content-Type"] == unknown["Content-Type"]


def test_paying_with_a_wrong_key_is_a_404():
    assert Client().post(f"/checkout/{'A' * 32}/pay").status_code == 404


def test_the_order_key_has_at_least_128_random_bits():
    keys = {reserved_order(checkout=False).order_key for _ in range(3)}

    assert len(keys) == 3
    assert all(len(key) >= 32 and re.fullmatch(r"[A-Za-z0-9_-]+", key) for key in keys)


# --- the checkout page ---------------------------------------------------------------------


def test_checkout_page_shows_lines_travellers_total_with_vat_and_how_to_pay():
    order = reserved_order(quantity=2, product_obj=taxed_product("12.00", price="50.00"))

    page = text(Customer(order).open())

    assert "Pay for order " + order.reference in page
    assert page.count("rail product") == 2
    assert "Ada Traveller0" in page and "Ada Traveller1" in page
    assert "100.00 EUR" in page  # total
    assert "10.71 EUR" in page  # VAT included at 12 %
    assert "89.29 EUR" in page  # net
    assert "12 %" in page
    assert "secure page of our payment provider" in page
    assert "Pay 100.00 EUR" in page


def test_checkout_page_tells_a_paid_order_apart_and_offers_no_second_payment():
    order = paid_order()

    page = text(Customer(order).open())

    assert f'<h1>Order <span class="nowrap">{order.reference}</span> is paid</h1>' in page
    assert "Pay for order" not in page
    assert "Pay 100.00 EUR" not in page
    assert Customer(order).http.post(Customer(order).url("pay")).status_code == 302
    assert Payment.objects.filter(order=order).count() == 1


def test_an_order_without_checkout_sends_its_customer_to_the_status_page():
    order = reserved_order(checkout=False)

    response = Customer(order).open()

    assert response.status_code == 302
    assert response["Location"] == f"/checkout/{order.order_key}/status"


def test_pay_needs_a_csrf_token():
    order = reserved_order()
    browser = Client(enforce_csrf_checks=True)

    refused = browser.post(f"/checkout/{order.order_key}/pay")
    browser.get(f"/checkout/{order.order_key}/")
    accepted = browser.post(
        f"/checkout/{order.order_key}/pay", {"csrfmiddlewaretoken": browser.cookies["csrftoken"].value}
    )

    assert refused.status_code == 403
    assert accepted.status_code == 302
    assert Payment.objects.filter(order=order).count() == 1


@pytest.mark.parametrize("page", PAGES + ["receipt"])
def test_pages_are_never_cached_and_are_not_indexed(page):
    response = Customer(paid_order()).open(page)

    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    assert b'<meta name="robots" content="noindex, nofollow">' in response.content


@pytest.mark.parametrize("page", PAGES + ["receipt"])
def test_pages_are_accessible_on_a_phone(page):
    html = text(Customer(paid_order()).open(page))

    assert '<html lang="en">' in html
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in html
    assert html.count("<h1>") == 1
    assert 'href="#main">Skip to content' in html and '<main id="main">' in html
    assert "<title>" in html and "</title>" in html
    for button in re.findall(r"<button[^>]*>(.*?)</button>", html):
        assert button.strip(), "every button has a visible label"


# --- tickets -------------------------------------------------------------------------------


def test_tickets_show_decrypted_codes_of_issued_lines_once_paid_and_the_view_is_audited():
    gift_card = factories.product(kind=SupplierKind.VOUCHER, denominations=["25.00"])
    order = paid_order(order=reserved_order(product_obj=gift_card, quantity=2, denomination="25.00"))
    lines = list(OrderLine.objects.filter(order=order).select_related("voucher").order_by("position"))

    page = text(Customer(order).open("tickets"))

    for line in lines:
        assert voucher_secret(line.voucher, "code") in page
        assert voucher_secret(line.voucher, "pin") in page
        assert line.supplier_booking_ref in page
    events = OrderEvent.objects.filter(order=order, transition="voucher.revealed").order_by("subject_id")
    assert sorted(
        (e.subject_id, e.actor_label, e.payload["line"], e.payload["channel"]) for e in events
    ) == sorted((str(line.voucher.pk), "customer", line.position, "customer_page") for line in lines)


def test_tickets_stay_hidden_until_the_order_is_paid():
    order = reserved_order()
    gateway.payment_start(order_id=order.pk)

    page = text(Customer(order).open("tickets"))

    assert "appear here once the order is paid" in page
    assert not OrderEvent.objects.filter(order=order, transition="voucher.revealed").exists()


def test_a_paid_order_still_issuing_shows_no_tickets_yet():
    order = paid_order(issue=False)

    page = text(Customer(order).open("tickets"))
    status = text(Customer(order).open("status"))

    assert "appear here once the order is paid and issued" in page
    assert "Your tickets</a>" not in status
    assert "Receipt</a>" in status


# --- the receipt ---------------------------------------------------------------------------


def test_receipt_lists_lines_vat_per_rate_totals_and_payment_method():
    # given a paid order of a train ticket (12 % VAT included) and a concert ticket (9 %)
    owner = factories.partner(gateway=True)
    rail, concert = (
        taxed_product("12.00", price="56.00"),
        taxed_product("9.00", kind=SupplierKind.EVENT, price="109.00"),
    )
    offers = [offer_quote(partner=owner, product_id=product.pk, quantity=1) for product in (rail, concert)]
    order = creation.order_create(
        partner=owner,
        offer_ids=[offer.pk for offer in offers],
        travellers=factories.travellers(1),
        contact=inputs.ContactInput(name="Ada Lovelace", email="ada@example.com"),
        actor=Actor.partner(owner),
    )
    order = paid_order(order=make_ready(order))

    # when the customer opens the receipt
    page = text(Customer(order).open("receipt"))

    # then it shows each line, the VAT per rate, the totals and how it was paid
    assert "Receipt" in page and order.reference in page and "Ada Lovelace" in page
    assert "Paid online (sandbox)" in page
    assert "56.00 EUR" in page and "109.00 EUR" in page
    assert re.search(r"<td>9 %</td><td class=\"num\">100.00 EUR</td><td class=\"num\">9.00 EUR</td>", page)
    assert re.search(r"<td>12 %</td><td class=\"num\">50.00 EUR</td><td class=\"num\">6.00 EUR</td>", page)
    assert "165.00 EUR" in page  # the total


def test_receipt_pdf_is_a_pdf_named_after_the_order():
    order = paid_order()

    response = Customer(order).open("receipt.pdf")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert f"receipt-{order.reference}.pdf" in response["Content-Disposition"]


def test_there_is_no_receipt_before_payment():
    order = reserved_order()

    assert Customer(order).open("receipt").status_code == 404
    assert Customer(order).open("receipt.pdf").status_code == 404


def test_an_order_paid_from_the_wallet_has_a_receipt_too(wallet_partner):
    order = reserved_order(owner=wallet_partner, checkout=False)
    finalization.order_finalize(order_id=order.pk, method="wallet", actor=Actor.partner(wallet_partner))

    page = text(Customer(order).open("receipt"))

    assert f"Prepaid credits of {wallet_partner.name}" in page
    assert Customer(order).open("receipt.pdf").content.startswith(b"%PDF")


# --- queries -------------------------------------------------------------------------------


@pytest.mark.parametrize("page", PAGES + ["receipt", "receipt.pdf"])
def test_page_queries_do_not_grow_with_the_number_of_lines(page, django_assert_max_num_queries):
    small, large = paid_order(quantity=1), paid_order(quantity=6)
    with django_assert_max_num_queries(12) as measured:
        assert Customer(small).open(page).status_code == 200
    queries_for_one_line = len(measured)

    with django_assert_max_num_queries(queries_for_one_line):
        assert Customer(large).open(page).status_code == 200


def test_payment_statuses_all_have_words():
    assert set(PaymentStatus.values) == set(PAYMENT_WORDS)


# --- what happened, in plain words -----------------------------------------------------------


def attempt(order: Order, state: str) -> None:
    payment = gateway.payment_start(order_id=order.pk)
    gateway.payment_apply_state(
        payment_id=payment.pk, state=PaymentState(state), actor=Actor.system("tests"), source="test"
    )


@pytest.mark.parametrize(
    "state, happened",
    [
        ("FAILED", "Your card was declined, so nothing was charged."),
        ("CANCELED", "You cancelled the payment, so nothing was charged."),
    ],
)
def test_after_a_decline_or_a_cancel_the_status_page_says_what_happened_and_what_to_do(state, happened):
    # given a customer whose card was declined, or who cancelled at the bank
    order = reserved_order()
    attempt(order, state)

    # when they open the status page
    page = text(Customer(order).open("status"))

    # then it tells them in plain words, offers to try again, and shows no "cancelled" badge
    assert happened in page
    assert "Your order stays reserved until" in page
    assert f'<a class="button" href="/checkout/{order.order_key}/">Try again</a>' in page
    assert 'data-status="cancelled"' in page
    assert ">cancelled<" not in page and "badge" not in page


def test_an_expired_order_says_nothing_was_charged_and_to_book_again():
    order = reserved_order()
    attempt(order, "CANCELED")
    Order.objects.filter(pk=order.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    orders_expire_due()

    page = text(Customer(order).open("status"))

    assert "Expired: the time to pay ran out" in page
    assert "Nothing was charged. To get tickets, please book again with " + order.partner.name in page
    assert "Try again" not in page


def test_a_cancelled_order_says_whom_to_contact():
    order = reserved_order()
    order_cancel(order_id=order.pk, reason="customer changed plans", actor=Actor.partner(order.partner))

    page = text(Customer(order).open("status"))

    assert f"If you did not expect this, please contact {order.partner.name}." in page


# --- the seller on the receipt -----------------------------------------------------------------


def test_the_receipt_names_the_seller_with_address_and_vat_number():
    order = paid_order()
    order.partner.seller_name = "CityBreaks AS"
    order.partner.seller_address = "Karl Johans gate 1\n0154 Oslo"
    order.partner.seller_vat_number = "NO 999 999 999 MVA"
    order.partner.save()

    page = text(Customer(order).open("receipt"))
    pdf = pdf_text(Customer(order).open("receipt.pdf").content)

    assert "<strong>CityBreaks AS</strong>" in page
    assert "Karl Johans gate 1<br>0154 Oslo" in page and "VAT number NO 999 999 999 MVA" in page
    for words in ("CityBreaks AS", "Karl Johans gate 1", "0154 Oslo", "VAT number NO 999 999 999 MVA"):
        assert words in pdf


def test_without_the_partners_own_the_receipt_falls_back_to_settings(settings):
    settings.SELLER_ADDRESS = "Tessera Tickets B.V.\nKeizersgracht 1, Amsterdam"
    settings.SELLER_VAT_NUMBER = "NL000099998B57"
    order = paid_order()

    page = text(Customer(order).open("receipt"))

    assert f"<strong>{order.partner.name}</strong>" in page
    assert "Keizersgracht 1, Amsterdam" in page and "VAT number NL000099998B57" in page


def test_the_receipt_pdfs_number_column_is_narrower_than_the_item_column():
    content = Customer(paid_order()).open("receipt.pdf").content

    page = pypdfium2.PdfDocument(content)[0]
    found = page.get_textpage().search("Item", match_case=True, match_whole_word=True)
    left, *_ = found.get_next()
    item_left_mm = page.get_textpage().get_charbox(left)[0] / 72 * 25.4

    # The table starts at the 10 mm margin; "#" is a few millimetres wide, so "Item" comes soon
    # after it (with five equal columns it started 38 mm further in, at 48 mm).
    assert item_left_mm < 25
