"""A build-context check per Dockerfile: found in a project without config, or expanded from a
configured entry that names several Dockerfiles (or none, meaning the detected ones)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from validators.docker.dockerfiles import detect_dockerfiles
from validators.engine.model import ValidatorSpec

DETECTED_NAME = "build context"


def _rel(path: Path, project_dir: Path) -> str:
    try:
        return path.relative_to(project_dir).as_posix()
    except ValueError:
        return str(path)


def detect(project_dir: Path) -> list[ValidatorSpec]:
    base = ValidatorSpec(DETECTED_NAME, "dockerignore", {}, source="detected")
    return expand(base, project_dir)


def expand(spec: ValidatorSpec, project_dir: Path) -> list[ValidatorSpec]:
    """One validator per Dockerfile, named after it, so each image has its own pane, status
    and findings. An entry for a single Dockerfile keeps its name."""
    configured = spec.options.get("dockerfiles")
    if configured is None:
        found = detect_dockerfiles(project_dir)
        if not found:
            return [spec] if spec.source != "detected" else []
        entries: list[dict[str, object]] = [{"path": _rel(p, project_dir)} for p in found]
    else:
        assert isinstance(configured, list)
        entries = [dict(item) for item in configured]
    detected = spec.source == "detected"
    if len(entries) == 1 and not detected:
        return [dataclasses.replace(spec, options={**spec.options, "dockerfiles": entries})]
    out = []
    for entry in entries:
        path = str(entry["path"])
        source = f"detected: {path}" if detected else f"{spec.source} ({path})"
        out.append(
            dataclasses.replace(
                spec, name=f"{spec.name}: {path}", options={**spec.options, "dockerfiles": [entry]}, source=source
            )
        )
    return out
