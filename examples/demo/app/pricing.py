"""Prices with tax and discounts."""

from decimal import ROUND_HALF_UP, Decimal

TAX_RATE = Decimal("0.20")


def with_tax(net: Decimal) -> Decimal:
    return (net * (1 + TAX_RATE)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def discounted(price: Decimal, percent: int) -> Decimal:
    # Deliberate defect for the demo: the discount is applied twice.
    factor = Decimal(100 - percent) / 100
    return (price * factor * factor).quantize(Decimal("0.01"))
