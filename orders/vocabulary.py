"""How the status words of the systems Tessera learns from map onto Tessera's order statuses.

Rendered into the OpenAPI description and checked against docs/lifecycle.md by a test.
"""

PROVIDER_STATUSES: list[tuple[str, str, str]] = [
    # (provider, their status, Tessera)
    ("Rail (GraphQL)", "PENDING", "PENDING"),
    ("Rail (GraphQL)", "CONFIRMED", "PROCESSING, then FULFILLED"),
    ("Rail (GraphQL)", "FAILED", "FAILED"),
    ("Rail (GraphQL)", "REFUNDED", "REFUNDED"),
    ("Rail (GraphQL)", "UNKNOWN", "PROCESSING with a line UNKNOWN"),
    ("Air (Travelbase)", "PENDING", "PENDING"),
    ("Air (Travelbase)", "PROCESSING", "PROCESSING"),
    ("Air (Travelbase)", "TICKETED", "FULFILLED"),
    ("Air (Travelbase)", "FAILED", "FAILED"),
    ("Air (Travelbase)", "CANCELED", "CANCELED"),
    ("Air (Travelbase)", "REFUNDED", "REFUNDED"),
    ("Public transport (Entur)", "DRAFT", "PENDING"),
    ("Public transport (Entur)", "CONFIRMED", "PROCESSING or FULFILLED"),
    ("Vouchers", "PLACED", "PENDING"),
    ("Vouchers", "PENDING", "PROCESSING"),
    ("Vouchers", "DELIVERED", "FULFILLED"),
    ("Vouchers", "PARTIALLY_DELIVERED", "PARTIALLY_FULFILLED"),
    ("Vouchers", "CANCELLED", "CANCELED or EXPIRED"),
    ("Vouchers", "FAILED", "FAILED"),
    ("Event tickets (payment)", "none", "PENDING, no payment"),
    ("Event tickets (payment)", "pending", "Payment CREATED or PENDING"),
    ("Event tickets (payment)", "paid", "Payment PAID"),
    ("Event tickets (payment)", "partial", "Payment PARTIALLY_REFUNDED"),
    ("Event tickets (payment)", "cancelled", "Payment FAILED, CANCELED or REFUNDED"),
]
