"""A supplier over real HTTP for development, demos and tests: speaks Tessera's small JSON
supplier protocol (docs/supplier-protocol.md) on loopback, with per-product latency, failure
rate, partial and late delivery, and an outage switch. ``manage.py supplier_simulator`` runs it."""
