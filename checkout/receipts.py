"""The receipt of a paid order: what it says, once for the printable page and once as a PDF.

The PDF writes amounts, rates and times with the same filters as the page, in the language the
page is read in.
"""

from django.utils.translation import gettext as _

from checkout.selectors import CustomerOrder
from checkout.statuses import REFUND_REASON_WORDS, REFUND_WORDS
from checkout.templatetags.checkout_format import money, percent
from orders.statuses import BillingMode
from tessera.local_time import local_date, local_datetime
from tessera.pdf import Document

# The item column takes most of the width; "#" only as wide as a line number.
ITEM_COLUMNS = (6, 42, 24, 14, 16)


def payment_method_words(view: CustomerOrder) -> str:
    payment = view.paid_payment
    if payment is None:
        return ""
    partner = view.order.partner.name
    if payment.method == BillingMode.WALLET:
        return _("Prepaid credits of %(partner)s") % {"partner": partner}
    if payment.method == BillingMode.INVOICE:
        return _("Invoiced to %(partner)s") % {"partner": partner}
    if payment.method == BillingMode.GATEWAY:
        return _("Paid online (%(provider)s)") % {"provider": payment.provider}
    return payment.method


def seller_lines(view: CustomerOrder) -> str:
    seller = view.seller
    lines = [seller.name, *seller.address.splitlines()]
    if seller.vat_number:
        lines.append(_("VAT number %(number)s") % {"number": seller.vat_number})
    return "\n".join(line for line in lines if line.strip())


def receipt_pdf(view: CustomerOrder) -> bytes:
    order, currency = view.order, view.currency

    def amount(value) -> str:
        return money(value, currency)

    doc = Document(
        title=_("Receipt for order %(reference)s") % {"reference": order.reference},
        issuer=_("Tessera, for %(partner)s") % {"partner": order.partner.name},
    )
    paid_at = view.paid_payment.paid_at
    doc.facts(
        [
            (_("Order"), order.reference),
            (_("Sold by"), seller_lines(view)),
            (_("Paid on"), local_datetime(paid_at, view.zone) if paid_at else ""),
            (_("Payment method"), payment_method_words(view)),
            (_("Customer"), order.contact_name or order.contact_email or "-"),
        ]
    )
    doc.heading(_("Items"))
    doc.table(
        ["#", _("Item"), _("Traveller"), _("VAT rate"), _("Amount")],
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
        col_widths=ITEM_COLUMNS,
    )
    doc.heading(_("VAT"))
    doc.table(
        [_("Rate"), _("Net"), _("VAT"), _("Total")],
        [(percent(row.rate), amount(row.net), amount(row.tax), amount(row.gross)) for row in view.vat],
        numeric_from=1,
    )
    doc.ln(2)
    doc.facts(
        [
            (_("Total (VAT included)"), amount(order.total_amount)),
            (_("Net"), amount(view.net_total)),
            (_("VAT"), amount(view.tax_total)),
        ]
    )
    if view.refunds_shown:
        doc.heading(_("Refunds"))
        doc.table(
            [_("Date"), _("Reason"), _("Status"), _("Amount")],
            [
                (
                    local_date(refund.created_at, view.zone),
                    str(REFUND_REASON_WORDS.get(refund.reason, refund.reason)),
                    str(REFUND_WORDS.get(refund.status, refund.status)),
                    amount(refund.amount),
                )
                for refund in view.refunds_shown
            ],
            numeric_from=3,
        )
        doc.ln(2)
        doc.facts(
            [(_("Refunded"), amount(view.refunded_total)), (_("Paid after refunds"), amount(view.paid_total))]
        )
    return doc.bytes()
