"""What the API returns."""

from dataclasses import dataclass


@dataclass(frozen=True)
class OrderOut:
    total: str
