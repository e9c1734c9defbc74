from decimal import Decimal

from app.pricing import discounted, with_tax


def test_with_tax() -> None:
    assert with_tax(Decimal("10.00")) == Decimal("12.00")


def test_discount() -> None:
    assert discounted(Decimal("100.00"), 10) == Decimal("90.00")


def test_zero_discount() -> None:
    assert discounted(Decimal("5.00"), 0) == Decimal("5.00")
