"""A build-context check per image build: found in a project without config (compose files, CI
workflows, Dockerfiles anywhere), or expanded from a configured entry that names several
Dockerfiles (or none, meaning the found ones)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from validators.docker.build_sources import build_labels, find_builds
from validators.engine.model import ValidatorSpec

DETECTED_NAME = "build context"


def detect(project_dir: Path) -> list[ValidatorSpec]:
    base = ValidatorSpec(DETECTED_NAME, "dockerignore", {}, source="detected")
    return expand(base, project_dir)


def expand(spec: ValidatorSpec, project_dir: Path) -> list[ValidatorSpec]:
    """One validator per image build, named after its Dockerfile, so each image has its own
    pane, status and findings. An entry for a single Dockerfile keeps its name."""
    configured = spec.options.get("dockerfiles")
    detected = spec.source == "detected"
    if configured is None:
        builds = find_builds(project_dir).builds
        if not builds:
            return [spec] if not detected else []
        context = spec.options.get("context")
        entries: list[dict[str, object]] = []
        for build in builds:
            entry = build.entry()
            if context is not None:  # the user's context wins over any guess
                entry["context"] = context
                entry.pop("context_guessed", None)
            entries.append(entry)
        labels = build_labels(builds)
    else:
        assert isinstance(configured, list)
        entries = [dict(item) for item in configured]
        labels = [str(e["path"]) for e in entries]
    if len(entries) == 1 and not detected:
        return [dataclasses.replace(spec, options={**spec.options, "dockerfiles": entries})]
    out = []
    for entry, label in zip(entries, labels, strict=True):
        origin = str(entry.get("origin") or f"found: {entry['path']}")
        source = f"detected: {origin}" if detected else f"{spec.source} ({origin})"
        out.append(
            dataclasses.replace(
                spec, name=f"{spec.name}: {label}", options={**spec.options, "dockerfiles": [entry]}, source=source
            )
        )
    return out
