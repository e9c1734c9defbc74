"""Validator kinds by name: adding a kind is one module plus one line here."""

from __future__ import annotations

from pathlib import Path

from .base import Validator
from .command import CommandValidator
from .dockerignore import DockerignoreValidator
from .model import ValidatorSpec

KINDS: dict[str, type[Validator]] = {
    CommandValidator.kind: CommandValidator,
    DockerignoreValidator.kind: DockerignoreValidator,
}


def create(spec: ValidatorSpec, project_dir: Path) -> Validator:
    return KINDS[spec.kind](spec, project_dir)
