"""A build-context check for a project that has Dockerfiles."""

from __future__ import annotations

from pathlib import Path

from validators.docker.dockerfiles import detect_dockerfiles
from validators.engine.model import ValidatorSpec


def detect(project_dir: Path) -> list[ValidatorSpec]:
    dockerfiles = detect_dockerfiles(project_dir)
    if not dockerfiles:
        return []
    names = ", ".join(p.relative_to(project_dir).as_posix() for p in dockerfiles)
    return [ValidatorSpec("build context", "dockerignore", {}, source=f"detected: {names}")]
