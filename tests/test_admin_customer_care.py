"""What staff do for a customer from the order's page: notes, the status link, tickets again.

Given a delivered order, when Support adds an internal note, then the page lists it with its
author and time, and neither the partner API's order nor its audit trail carries it; when they
ask for the customer's status link, the link is shown and the request is in the timeline; when
they send the tickets again, the customer gets one email with the tickets PDF, audited.
"""

import pytest
from django.core import mail
from django.urls import reverse

from checkout.links import customer_url
from orders.models import OrderEvent, OrderNote
from tests import factories
from tests.admin_support import action, login, order_url, shown, voucher_order
from tests.api_support import client_for

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def order(wallet_partner, worker):
    return voucher_order(wallet_partner, worker=worker)


def note_url(order) -> str:
    return reverse("admin:orders_order_note", args=[order.pk])


def test_a_note_is_kept_with_its_author_and_shown_to_staff_only(client, order, wallet_partner):
    support = login(client, "sigrid", role="Support")

    response = support.post(note_url(order), {"text": "Customer called: name misspelt on ticket 2."})
    page = support.get(order_url(order)).content.decode()

    assert response.status_code == 302 and "Note added. Only staff see it." in shown(response)
    note = OrderNote.objects.get(order=order)
    assert (note.author_label, note.author.username) == ("sigrid", "sigrid")
    assert "Customer called: name misspelt on ticket 2." in page and "sigrid" in page
    partner = client_for(wallet_partner)
    for path in (f"/orders/{order.pk}", f"/orders/{order.pk}/events"):
        answer = partner.get(path)
        assert answer.status_code == 200 and "misspelt" not in answer.content.decode()


def test_an_empty_note_is_refused_and_nothing_is_kept(client, order):
    support = login(client, "sigrid", role="Support")

    response = support.post(note_url(order), {"text": "   "})

    assert response.status_code == 302 and "The note was not added" in shown(response)[0]
    assert not OrderNote.objects.exists()


def test_staff_without_the_note_permission_can_neither_write_nor_see_the_form(client, order):
    viewer = login(client, "temp", perms=("orders.view_order",))

    page = viewer.get(order_url(order)).content.decode()
    response = viewer.post(note_url(order), {"text": "hello"})

    assert 'form="note-form"' not in page and response.status_code == 403
    assert not OrderNote.objects.exists()


def test_the_status_link_is_shown_after_its_request_is_recorded(client, order):
    support = login(client, "sigrid", role="Support")
    url = reverse("admin:orders_order_status_link", args=[order.pk])

    page = support.get(order_url(order)).content.decode()
    before = support.get(url).content.decode()
    shown_link = support.post(url).content.decode()

    assert url in page and "Customer&#x27;s status link…" in page
    link = customer_url("status", order.order_key)
    assert link not in before and order.order_key not in before
    assert link in shown_link and 'id="copy-status-link"' in shown_link
    event = OrderEvent.objects.get(order=order, transition="order.status_link_shown")
    assert (event.actor_kind, event.actor_label) == ("staff", "sigrid")


def test_the_status_link_needs_the_change_permission(client, order):
    viewer = login(client, "temp", perms=("orders.view_order",))

    assert viewer.post(reverse("admin:orders_order_status_link", args=[order.pk])).status_code == 403
    assert not OrderEvent.objects.filter(transition="order.status_link_shown").exists()


def test_resend_tickets_emails_the_pdf_once_and_audits_it(client, order, wallet_partner):
    support = login(client, "sigrid", role="Support")
    pending = factories.order(owner=wallet_partner, product_obj=factories.product())
    mail.outbox.clear()

    response = action(support, "resend_tickets", [order, pending])

    (message,) = mail.outbox
    assert message.to == [order.contact_email]
    (name, content, kind) = message.attachments[0]
    assert name == f"tickets-{order.reference}.pdf" and kind == "application/pdf" and content[:5] == b"%PDF-"
    messages = shown(response)
    assert any(f"Tickets sent again: {order.reference}" in text for text in messages)
    assert any(f"Order {pending.reference} is not paid" in text for text in messages)
    assert OrderEvent.objects.get(order=order, transition="order.tickets_resent").actor_label == "sigrid"
