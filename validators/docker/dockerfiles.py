"""Which files of a project are Dockerfiles."""

from __future__ import annotations

import os
from pathlib import Path


def detect_dockerfiles(project: Path) -> list[Path]:
    found: list[Path] = []
    try:
        names = sorted(os.listdir(project))
    except OSError:
        return []
    for name in names:
        path = project / name
        if not path.is_file() or name.endswith(".dockerignore"):
            continue
        if name == "Dockerfile" or name.endswith(".Dockerfile") or name.startswith("Dockerfile."):
            found.append(path)
    folder = project / "dockerfiles"
    if folder.is_dir():
        found += sorted(p for p in folder.iterdir() if p.is_file() and not p.name.endswith(".dockerignore"))
    return found
