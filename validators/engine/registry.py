"""Validator kinds by name. Each kind is a package under `validators.kinds`; adding one is one
line here. Entries are import strings so that loading the config imports only the kinds it uses
(and never their heavy dependencies: a kind's `options` module stays light)."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from validators.engine.base import Option, Validator
from validators.engine.model import ValidatorSpec


@dataclass(frozen=True)
class KindEntry:
    validator: str  # "module:Class", a Validator subclass
    options: str  # "module:NAME", a Mapping[str, Option]: the kind's config keys
    detect: str  # "module:function", (project_dir) -> list[ValidatorSpec]
    # "module:function", (spec, project_dir) -> list[ValidatorSpec]: one configured entry as the
    # validators it stands for (one per Dockerfile); None: the entry is one validator.
    expand: str | None = None
    # "module:function", (project_dir) -> str | None: why detection found nothing of this kind
    # here (`checkdeck list` says it); None: the kind has nothing to say.
    absent: str | None = None


KINDS: dict[str, KindEntry] = {
    "command": KindEntry(
        "validators.kinds.command.validator:CommandValidator",
        "validators.kinds.command.options:OPTIONS",
        "validators.kinds.command.detect:detect",
    ),
    "dockerignore": KindEntry(
        "validators.kinds.dockerignore.validator:DockerignoreValidator",
        "validators.kinds.dockerignore.options:OPTIONS",
        "validators.kinds.dockerignore.detect:detect",
        "validators.kinds.dockerignore.detect:expand",
    ),
    "docker-build": KindEntry(
        "validators.kinds.docker_build.validator:DockerBuildValidator",
        "validators.kinds.docker_build.options:OPTIONS",
        "validators.kinds.docker_build.detect:detect",
        "validators.kinds.docker_build.detect:expand",
        "validators.kinds.docker_build.detect:absent",
    ),
    "architecture": KindEntry(
        "validators.kinds.architecture.validator:ArchitectureValidator",
        "validators.kinds.architecture.options:OPTIONS",
        "validators.kinds.architecture.detect:detect",
    ),
    "websocket": KindEntry(
        "validators.kinds.websocket.validator:WebsocketValidator",
        "validators.kinds.websocket.options:OPTIONS",
        "validators.kinds.websocket.detect:detect",
    ),
}

Detector = Callable[[Path], list[ValidatorSpec]]


def _load(ref: str) -> object:
    module, _, name = ref.partition(":")
    return getattr(importlib.import_module(module), name)


def validator_class(kind: str) -> type[Validator]:
    cls = _load(KINDS[kind].validator)
    assert isinstance(cls, type) and issubclass(cls, Validator), f"{KINDS[kind].validator} is not a Validator"
    return cls


def options(kind: str) -> Mapping[str, Option]:
    found = _load(KINDS[kind].options)
    assert isinstance(found, Mapping), f"{KINDS[kind].options} is not a mapping of options"
    return found


def detector(kind: str) -> Detector:
    found = _load(KINDS[kind].detect)
    assert callable(found), f"{KINDS[kind].detect} is not callable"
    return found


def absent(kind: str, project_dir: Path) -> str | None:
    ref = KINDS[kind].absent
    if ref is None:
        return None
    found = _load(ref)
    assert callable(found), f"{ref} is not callable"
    why = found(project_dir)
    return why if isinstance(why, str) else None


def expand(spec: ValidatorSpec, project_dir: Path) -> list[ValidatorSpec]:
    ref = KINDS[spec.kind].expand
    if ref is None:
        return [spec]
    found = _load(ref)
    assert callable(found), f"{ref} is not callable"
    specs = found(spec, project_dir)
    assert isinstance(specs, list)
    return specs


def create(spec: ValidatorSpec, project_dir: Path) -> Validator:
    return validator_class(spec.kind)(spec, project_dir)
