"""What payments announces for the apps above it, inside the transaction that decided it.

Events of the money side that belong to no order's trail (tessera.event_types.NOT_IN_ORDER_TRAILS)
are announced here; webhooks writes them to its outbox in the same transaction.
"""

from django.dispatch import Signal

# A partner's invoice closed (kwargs: invoice). Sent under the invoice's lock.
invoice_closed = Signal()

# A partner's wallet was topped up (kwargs: entry, the new LedgerEntry; wallet). Sent once per
# entry, under the wallet's lock.
wallet_topped_up = Signal()
