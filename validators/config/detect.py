"""Guess sensible validators for a project that has no checkdeck config yet: each kind says
what it would check here."""

from __future__ import annotations

import json
from pathlib import Path

from validators.engine import registry
from validators.engine.model import ValidatorSpec


def detect(project_dir: Path) -> list[ValidatorSpec]:
    specs: list[ValidatorSpec] = []
    for kind in registry.KINDS:
        specs.extend(registry.detector(kind)(project_dir))
    return specs


def _toml_value(value: object) -> str:
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{k} = {_toml_value(v)}" for k, v in value.items()) + " }"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    return json.dumps(str(value))  # a JSON string is a valid TOML basic string


def render_config(specs: list[ValidatorSpec]) -> str:
    """A starting checkdeck.toml for these validators, with a comment saying why each is there."""
    out = ["# checkdeck configuration: see README.md for every key.", "# concurrency = 4", '# timeout = "10m"', ""]
    for spec in specs:
        out.append(f"# {spec.source}")
        out.append("[[validators]]")
        out.append(f"name = {_toml_value(spec.name)}")
        out.append(f"kind = {_toml_value(spec.kind)}")
        out.extend(f"{key} = {_toml_value(value)}" for key, value in spec.options.items())
        out.append("")
    return "\n".join(out)
