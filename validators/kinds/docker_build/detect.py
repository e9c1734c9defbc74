"""A `docker-build` validator per image build the project has (compose files, CI workflows,
Dockerfiles anywhere), when a Docker engine answers; and why none was detected when none does."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from validators.docker.build_sources import BuildSource, build_labels, find_builds
from validators.dockerapi.endpoint import quick_problem, resolve
from validators.engine.model import ValidatorSpec
from validators.engine.wording import plural

DETECTED_NAME = "image"
_DETECT_PING_S = 3.0  # detection must not hold up `checkdeck list` for long


def _engine_problem() -> str | None:
    return quick_problem(resolve(), _DETECT_PING_S)


def _options(build: BuildSource) -> dict[str, object]:
    out: dict[str, object] = {"dockerfile": build.dockerfile, "context": build.context}
    if build.target:
        out["target"] = build.target
    if build.build_args:
        out["build_args"] = dict(build.build_args)
    return out


def detect(project_dir: Path) -> list[ValidatorSpec]:
    builds = find_builds(project_dir).builds
    if not builds or _engine_problem() is not None:
        return []
    engine = resolve().describe()
    return [
        ValidatorSpec(
            f"{DETECTED_NAME}: {label}",
            "docker-build",
            _options(b),
            source=f"detected: {b.origin}; engine {engine} answers",
        )
        for b, label in zip(builds, build_labels(builds), strict=True)
    ]


def absent(project_dir: Path) -> str | None:
    """Why detection found no docker-build validator here, or None when it found some."""
    builds = find_builds(project_dir).builds
    if not builds:
        return "no Dockerfile found"
    problem = _engine_problem()
    if problem is not None:
        return f"{plural(len(builds), 'Dockerfile')} found, but {problem}"
    return None


def expand(spec: ValidatorSpec, project_dir: Path) -> list[ValidatorSpec]:
    """A configured entry without `dockerfile` stands for every image build found."""
    if "dockerfile" in spec.options:
        return [spec]
    builds = find_builds(project_dir).builds
    if not builds:
        return [spec]  # the run says there is nothing to build
    return [
        dataclasses.replace(
            spec,
            name=spec.name if len(builds) == 1 else f"{spec.name}: {label}",
            options={**_options(b), **spec.options},
            source=f"{spec.source} ({b.origin})",
        )
        for b, label in zip(builds, build_labels(builds), strict=True)
    ]
