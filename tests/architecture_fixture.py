"""A small layered package (`shop`) for the architecture tests, healthy by default; each test
breaks it the way it needs."""

from __future__ import annotations

from pathlib import Path

from tests.helpers import write_tree

SHOP = {
    "shop/__init__.py": "",
    "shop/api/__init__.py": "",
    "shop/api/routes.py": "from shop.services import orders\n\n\ndef handler():\n    return orders.make()\n",
    "shop/services/__init__.py": "",
    "shop/services/orders.py": '"""Orders."""\nfrom shop.db import models\n\n\ndef make():\n    return models.Row(1)\n',
    "shop/services/billing.py": "from shop.services import orders\n",
    "shop/db/__init__.py": "",
    "shop/db/models.py": "import json\n\n\nclass Row:\n    def __init__(self, v):\n        self.v = v\n",
    "shop/util.py": "",
    "shop/tests/__init__.py": "",
    "shop/tests/test_api.py": "import shop.api.routes\n",
}

LAYERS = """
[[tool.importlinter.contracts]]
name = "Layers"
type = "layers"
layers = ["shop.api", "shop.services", "shop.db"]
"""


def shop(root: Path, extra: dict[str, str] | None = None, contracts: str = LAYERS, session: str = "") -> Path:
    files = {**SHOP, **(extra or {})}
    files["pyproject.toml"] = f'[tool.importlinter]\nroot_packages = ["shop"]\n{session}\n{contracts}'
    return write_tree(root, {k: v for k, v in files.items() if v is not None})
