"""Nothing to detect: a WebSocket contract is declared, never guessed."""

from __future__ import annotations

from pathlib import Path

from validators.engine.model import ValidatorSpec


def detect(project_dir: Path) -> list[ValidatorSpec]:
    return []
