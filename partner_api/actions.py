"""What a partner may do next with an order, so partners need not copy the state machine."""

from django.utils import timezone

from orders.models import Order
from orders.selectors import open_draft_of
from orders.services.amendments import AMENDABLE, draft_lines
from orders.statuses import BillingMode, LineStatus, OrderStatus
from payments.refund_rules import LIVE_REFUND_STATUSES, refund_possible

# Every name available_actions may give, in the order it gives them.
ACTIONS = [
    "finalize",
    "checkout",
    "update",
    "replaceTravellers",
    "cancel",
    "refund",
    "amend",
    "confirmAmendment",
    "failAmendment",
    "resetAmendment",
]


def available_actions(order: Order, lines) -> list[str]:
    """Names of the API operations allowed now; ``lines`` are the order's (prefetched) lines."""
    if order.status != OrderStatus.PENDING:
        draft = open_draft_of(order)
        if draft is not None:
            new, _removed = draft_lines(lines, draft.number)
            stuck = any(line.status in {LineStatus.FAILED, LineStatus.UNKNOWN} for line in new)
            return (
                ["confirmAmendment", "failAmendment", "resetAmendment"]
                if stuck
                else ["confirmAmendment", "resetAmendment"]
            )
        actions = ["refund"] if refund_possible(order, lines) else []
        # An amendment's own refunds take no lines and hold no amendment up (refunds.py).
        refunding = any(
            refund.status in LIVE_REFUND_STATUSES and refund.amendment_id is None
            for refund in order.refunds.all()
        )
        return [*actions, "amend"] if order.status in AMENDABLE and not refunding else actions
    actions = ["update", "replaceTravellers", "cancel"]
    modes = set(order.partner.billing_modes) & {BillingMode.WALLET, BillingMode.INVOICE}
    # Past expiresAt, finalize and checkout are refused (ORDER_EXPIRED) even before the expiry
    # sweep has moved the order to EXPIRED, so they are not offered either.
    payable = order.expires_at is not None and order.expires_at > timezone.now()
    reserved = payable and bool(lines) and all(line.status == LineStatus.RESERVED for line in lines)
    if reserved and BillingMode.GATEWAY in order.partner.billing_modes:
        actions.insert(0, "checkout")
    if modes and reserved:
        actions.insert(0, "finalize")
    return actions
