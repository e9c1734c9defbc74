"""The `command` kind's config keys."""

from __future__ import annotations

from collections.abc import Mapping

from validators.config.options import boolean, string
from validators.engine.base import Option


def _env(value: object) -> object:
    if not isinstance(value, dict) or not all(
        isinstance(k, str) and isinstance(v, (str, int, float, bool)) for k, v in value.items()
    ):
        raise ValueError('expected a table of strings, e.g. env = { DEBUG = "1" }')
    return {k: str(v).lower() if isinstance(v, bool) else str(v) for k, v in value.items()}


OPTIONS: Mapping[str, Option] = {
    "run": Option("The shell command line to run.", required=True, check=string),
    "cwd": Option("Working directory, relative to the project.", check=string),
    "env": Option("Extra environment variables.", check=_env, type_name="table"),
    "pytest": Option(
        "Treat the command as pytest (default: when the command line mentions pytest).",
        check=boolean,
        type_name="boolean",
    ),
}
