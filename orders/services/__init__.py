"""The order use cases. Every write to orders goes through one of these."""

from orders.services.cancellation import order_cancel, order_expire, orders_expire_due
from orders.services.creation import order_create
from orders.services.delayed_delivery import delayed_vouchers_poll
from orders.services.editing import (
    order_language_record,
    order_replace_travellers,
    order_set_expiry,
    order_update_details,
)
from orders.services.finalization import order_finalize
from orders.services.fulfilment import (
    booking_issue,
    booking_reserve,
    line_issue,
    line_reconcile,
    line_release_at_supplier,
    line_reserve,
    lines_reconcile_due,
)
from orders.services.inputs import ContactInput, TravellerInput

__all__ = [
    "ContactInput",
    "TravellerInput",
    "booking_issue",
    "booking_reserve",
    "delayed_vouchers_poll",
    "line_issue",
    "line_reconcile",
    "line_release_at_supplier",
    "line_reserve",
    "lines_reconcile_due",
    "order_cancel",
    "order_create",
    "order_expire",
    "order_finalize",
    "order_language_record",
    "order_replace_travellers",
    "order_set_expiry",
    "order_update_details",
    "orders_expire_due",
]
