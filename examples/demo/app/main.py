"""Entry point: `python -m app.main`."""

from decimal import Decimal

from app.pricing import with_tax
from app.services.monitoring.health import health


def main() -> None:
    print(health(), with_tax(Decimal("10.00")))


if __name__ == "__main__":
    main()
