"""An architecture check for a project that declares import contracts for import-linter."""

from __future__ import annotations

from pathlib import Path

from validators.engine.model import ValidatorSpec

DETECTED_NAME = "architecture"


def detect(project_dir: Path) -> list[ValidatorSpec]:
    from validators.archrules.contracts import find_importlinter

    found = find_importlinter(project_dir)
    if found is None:
        return []
    return [
        ValidatorSpec(DETECTED_NAME, "architecture", {}, source=f"detected: import-linter contracts in {found.name}")
    ]
