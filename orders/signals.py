"""What orders announce to the apps above them, which orders must not import.

``event_recorded`` is sent for every audit event as it is recorded, inside its transaction: a
receiver that does something outside the database starts it with ``transaction.on_commit``.
"""

from django.dispatch import Signal

event_recorded = Signal()  # sender: OrderEvent; event: the OrderEvent (its id unset inside batched())
