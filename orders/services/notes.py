"""Internal notes staff keep on an order: written once, with who and when, seen only by staff."""

from django.db import transaction

from orders.models import Order, OrderNote
from tessera.actors import Actor
from tessera.errors import InvalidInput

MAX_NOTE_LENGTH = 2000


def order_note_add(*, order_id, text: str, actor: Actor) -> OrderNote:
    """Add a staff member's note to an order. The note is its own audit record (author and time,
    never changed); it stays out of the order's timeline, which partners read through the API."""
    text = text.strip()
    if not text:
        raise InvalidInput("A note needs some text.")
    if len(text) > MAX_NOTE_LENGTH:
        raise InvalidInput(f"A note holds at most {MAX_NOTE_LENGTH:,} characters.")
    if actor.kind != "staff":
        raise InvalidInput("Only staff write internal notes.")
    with transaction.atomic():
        order = Order.objects.only("pk").get(pk=order_id)
        return OrderNote.objects.create(
            order=order, text=text, author_id=actor.user_id, author_label=actor.label
        )
