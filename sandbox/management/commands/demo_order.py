"""``manage.py demo_order REF``: order a demo product as a partner would, and follow it.

With ``--finalize`` it waits for the worker to reserve every line, finalizes with the partner's
billing mode, and follows the order until it settles, printing each status it sees. For a
partner that pays through the gateway it opens checkout instead and prints the page where the
customer pays; the customer comes back to the order's status page.
"""

import time

from django.core.management.base import BaseCommand, CommandError

from checkout.links import customer_url
from orders.models import Order, Partner
from orders.services import creation, inputs
from orders.statuses import ORDER_TERMINAL, BillingMode, LineStatus, OrderStatus
from payments.services import finalization
from payments.services.checkout import checkout_open
from suppliers.models import Product
from suppliers.services import offer_quote
from tessera.actors import Actor
from tessera.errors import TesseraError
from tessera.money import format_amount

SETTLED = ORDER_TERMINAL | {OrderStatus.FULFILLED, OrderStatus.PARTIALLY_FULFILLED}


class Command(BaseCommand):
    help = "Create a demo order for a product (by supplier reference) and optionally finalize it."

    def add_arguments(self, parser) -> None:
        parser.add_argument("product", help="supplier reference, e.g. OSL-BGO-0725 (see seed_demo)")
        parser.add_argument("--partner", default="fjord-travel", help="partner slug (default: %(default)s)")
        parser.add_argument("--quantity", type=int, default=1)
        parser.add_argument("--finalize", action="store_true", help="finalize once reserved and follow it")
        parser.add_argument("--timeout", type=float, default=120, help="seconds to follow the order")

    def handle(
        self, *args, product: str, partner: str, quantity: int, finalize: bool, timeout: float, **options
    ):
        owner = Partner.objects.filter(slug=partner).first()
        item = Product.objects.filter(supplier_reference=product).first()
        if owner is None or item is None:
            raise CommandError("Unknown partner or product; run `manage.py seed_demo` first.")
        actor = Actor.partner(owner)
        try:
            offer = offer_quote(
                partner=owner,
                product_id=item.pk,
                quantity=quantity,
                denomination=item.denominations[0] if item.denominations else None,
            )
            travellers = [
                inputs.TravellerInput(given_name="Demo", family_name=f"Traveller {n}")
                for n in range(1, quantity + 1)
            ]
            order = creation.order_create(
                partner=owner,
                offer_ids=[offer.pk],
                travellers=travellers,
                actor=actor,
                contact=inputs.ContactInput(name="Demo Customer", email="demo@example.com"),
            )
        except TesseraError as exc:
            raise CommandError(f"{exc.code}: {exc.detail}") from exc
        self.stdout.write(
            f"Order {order.reference} ({order.pk}) created: {order.status}, "
            f"{format_amount(order.total_amount, order.currency)} {order.currency}"
        )
        if not finalize:
            self._report(order)
            return
        deadline = time.monotonic() + timeout
        self._follow(
            order, until=lambda o: o.status != OrderStatus.PENDING or self._reserved(o), deadline=deadline
        )
        order.refresh_from_db()
        if order.status != OrderStatus.PENDING:
            return
        if not (owner.allows_wallet or owner.allows_invoice) and owner.allows_gateway:
            self._open_checkout(order, actor)
            return
        method = BillingMode.WALLET if owner.allows_wallet else BillingMode.INVOICE
        try:
            finalization.order_finalize(order_id=order.pk, method=method, actor=actor)
        except TesseraError as exc:
            raise CommandError(f"{exc.code}: {exc.detail}") from exc
        self.stdout.write(f"Finalized with {method}.")
        self._follow(order, until=lambda o: o.status in SETTLED, deadline=deadline)

    def _open_checkout(self, order: Order, actor: Actor) -> None:
        status_page = customer_url("status", order.order_key)
        try:
            checkout_open(order_id=order.pk, partner_id=order.partner_id, return_url=status_page, actor=actor)
        except TesseraError as exc:
            raise CommandError(f"{exc.code}: {exc.detail}") from exc
        self.stdout.write(f"Checkout open. Pay in a browser: {customer_url('page', order.order_key)}")

    def _reserved(self, order: Order) -> bool:
        return all(line.status == LineStatus.RESERVED for line in order.lines.all())

    def _follow(self, order: Order, *, until, deadline: float) -> None:
        seen = None
        while time.monotonic() < deadline:
            order.refresh_from_db()
            state = self._report(order, quiet_if=seen)
            seen = state
            if until(order):
                return
            time.sleep(0.5)
        self.stdout.write("Still waiting; is the worker running (`make run` starts it)?")

    def _report(self, order: Order, quiet_if=None):
        lines = list(order.lines.order_by("position").values_list("status", flat=True))
        state = (order.status, tuple(lines))
        if state != quiet_if:
            self.stdout.write(f"  {order.reference}: {order.status}; lines: {', '.join(lines)}")
        return state
