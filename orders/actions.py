"""What a partner may do next with an order, so partners need not copy the state machine."""

from orders.models import Order
from orders.statuses import BillingMode, LineStatus, OrderStatus


def available_actions(order: Order, lines) -> list[str]:
    """Names of the API operations allowed now; ``lines`` are the order's (prefetched) lines."""
    if order.status != OrderStatus.PENDING:
        return []
    actions = ["update", "replaceTravellers", "cancel"]
    modes = set(order.partner.billing_modes) & {BillingMode.WALLET, BillingMode.INVOICE}
    if modes and lines and all(line.status == LineStatus.RESERVED for line in lines):
        actions.insert(0, "finalize")
    return actions
