from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "payments"
    verbose_name = "Payments"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from orders import signals
        from payments import receivers

        signals.order_ended_unpaid.connect(receivers.abandon_gateway_payment, dispatch_uid="payments.abandon")
        signals.lines_undelivered.connect(receivers.refund_undelivered_lines, dispatch_uid="payments.refund")
        signals.amendment_opening.connect(
            receivers.refuse_amendment_while_refunding, dispatch_uid="payments.amendment_opening"
        )
