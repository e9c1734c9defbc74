"""Order handlers."""

from decimal import Decimal

from app.db.orders import save_order
from app.pricing import with_tax


def create_order(net: str) -> dict[str, str]:
    total = with_tax(Decimal(net))
    save_order(total)
    return {"total": str(total)}
