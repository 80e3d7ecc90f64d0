"""What orders announce for the apps above them to act on, inside the transaction that decided it.

Orders never import the apps above them: payments and notifications depend on orders, not the
reverse (docs/architecture.md). Where an order's change must move money, orders sends one of these
signals and payments, which connects its receivers in ``PaymentsConfig.ready``, does the rest.
Receivers run synchronously in the sender's transaction, on the rows it locked (the order, then
its lines), and an exception in one undoes the sender's work, as a direct call would; a receiver
that does something outside the database starts it after the commit.
"""

from django.dispatch import Signal

# A PENDING order ended without being paid: canceled, expired or its reservation failed
# (kwargs: order, actor, reason). Payments cancels its live unpaid gateway payment and releases
# an instant order's wallet hold.
order_ended_unpaid = Signal()

# An instant order was created: its payment method was chosen with it (order.payment_method set;
# kwargs: order, actor). Payments holds its total on the wallet; raising undoes the creation.
instant_order_created = Signal()

# Every line of a PENDING order is RESERVED (kwargs: order, lines, actor). Payments finalizes
# an instant order there and then, in the worker's transaction.
order_reserved = Signal()

# Lines of a finalized order failed to be delivered (kwargs: order, lines, actor).
# Payments gives their money back.
lines_undelivered = Signal()

# Every audit event as it is recorded (sender: OrderEvent; event: the OrderEvent, its id unset
# inside batched()). Notifications e-mails the customer about some.
event_recorded = Signal()

# A draft version of a FULFILLED order is being opened (kwargs: order, lines, actor). Payments
# refuses it (raises) while a refund of the order is still on its way.
amendment_opening = Signal()

# A draft version was reset or expired (kwargs: order, version, actor), its lines already locked.
# Payments cancels a hosted-checkout payment of its balance that is still open.
amendment_discarded = Signal()

# Audit events once they are written, in the transaction that wrote them (sender: OrderEvent;
# events: the OrderEvents, one alone or a whole batched() block's at once). Webhooks writes its
# outbox rows from it, in one INSERT per batch.
events_written = Signal()
