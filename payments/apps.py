from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "payments"
    verbose_name = "Payments"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from orders import signals
        from payments import receivers

        # Wallet before Payment (the lock order): the hold is released before the payment is abandoned.
        signals.order_ended_unpaid.connect(receivers.release_wallet_hold, dispatch_uid="payments.release")
        signals.order_ended_unpaid.connect(receivers.abandon_gateway_payment, dispatch_uid="payments.abandon")
        signals.lines_undelivered.connect(receivers.refund_undelivered_lines, dispatch_uid="payments.refund")
        signals.instant_order_created.connect(receivers.hold_instant_order, dispatch_uid="payments.hold")
        signals.order_reserved.connect(receivers.finalize_instant_order, dispatch_uid="payments.instant")
        signals.amendment_opening.connect(
            receivers.refuse_amendment_while_refunding, dispatch_uid="payments.amendment_opening"
        )
        signals.amendment_discarded.connect(
            receivers.abandon_amendment_payment, dispatch_uid="payments.amendment_discarded"
        )
