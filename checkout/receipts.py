"""The receipt of a paid order: what it says, once for the printable page and once as a PDF.

The PDF writes amounts and rates with the same filters as the page.
"""

from checkout.selectors import CustomerOrder
from checkout.templatetags.checkout_format import money, percent
from orders.statuses import BillingMode
from tessera.pdf import Document

METHOD_WORDS = {
    BillingMode.WALLET: "Prepaid credits of {partner}",
    BillingMode.INVOICE: "Invoiced to {partner}",
    BillingMode.GATEWAY: "Paid online ({provider})",
}


def payment_method_words(view: CustomerOrder) -> str:
    payment = view.paid_payment
    if payment is None:
        return ""
    template = METHOD_WORDS.get(payment.method, "{method}")
    return template.format(partner=view.order.partner.name, provider=payment.provider, method=payment.method)


def receipt_pdf(view: CustomerOrder) -> bytes:
    order, currency = view.order, view.currency

    def amount(value) -> str:
        return money(value, currency)

    doc = Document(title=f"Receipt for order {order.reference}", issuer=f"Tessera, for {order.partner.name}")
    paid_at = view.paid_payment.paid_at
    doc.facts(
        [
            ("Order", order.reference),
            ("Paid on", f"{paid_at:%Y-%m-%d %H:%M} UTC" if paid_at else ""),
            ("Payment method", payment_method_words(view)),
            ("Customer", order.contact_name or order.contact_email or "-"),
        ]
    )
    doc.heading("Items")
    doc.table(
        ["#", "Item", "Traveller", "VAT rate", "Amount"],
        [
            (
                line.position,
                line.description,
                str(line.traveller) if line.traveller else "",
                percent(line.tax_rate),
                amount(line.amount),
            )
            for line in view.lines
        ],
        numeric_from=3,
    )
    doc.heading("VAT")
    doc.table(
        ["Rate", "Net", "VAT", "Total"],
        [(percent(row.rate), amount(row.net), amount(row.tax), amount(row.gross)) for row in view.vat],
        numeric_from=1,
    )
    doc.ln(2)
    doc.facts(
        [
            ("Total (VAT included)", amount(order.total_amount)),
            ("Net", amount(view.net_total)),
            ("VAT", amount(view.tax_total)),
        ]
    )
    if view.refunds_shown:
        doc.heading("Refunds")
        doc.table(
            ["Date", "Reason", "Status", "Amount"],
            [
                (
                    f"{refund.created_at:%Y-%m-%d}",
                    refund.get_reason_display(),
                    refund.get_status_display(),
                    amount(refund.amount),
                )
                for refund in view.refunds_shown
            ],
            numeric_from=3,
        )
        doc.ln(2)
        doc.facts(
            [("Refunded", amount(view.refunded_total)), ("Paid after refunds", amount(view.paid_total))]
        )
    return doc.bytes()
