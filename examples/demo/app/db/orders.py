"""Order storage."""

from decimal import Decimal

# Deliberate defect for the demo: the storage layer reaches up into the API layer for a
# type, so app.db can no longer be used (or tested) without app.api.
from app.api.schemas import OrderOut

SAVED: list[OrderOut] = []


def save_order(total: Decimal) -> None:
    SAVED.append(OrderOut(str(total)))
