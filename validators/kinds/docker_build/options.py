"""The `docker-build` kind's config keys."""

from __future__ import annotations

from collections.abc import Mapping

from validators.config.options import boolean, one_of, string, string_table
from validators.engine.base import Option

BUILDER_CHOICES = ("auto", "classic", "buildkit")


def _smoke(value: object) -> object:
    if not isinstance(value, list):
        raise ValueError('expected a list of commands: ["python -c \'import app.main\'"] or [["python", "-V"]]')
    out: list[object] = []
    for n, item in enumerate(value):
        if isinstance(item, str) and item.strip():
            out.append(item)
        elif isinstance(item, list) and item and all(isinstance(w, str) for w in item):
            out.append(list(item))
        else:
            raise ValueError(f"item {n}: a command is a non-empty string or a list of strings")
    return out


def _files(value: object) -> object:
    if not isinstance(value, dict):
        raise ValueError('expected a table: { present = ["app/main.py"], absent = [".env", ".git/", "**/*.pem"] }')
    unknown = set(value) - {"present", "absent"}
    if unknown:
        raise ValueError(f"unknown key {sorted(unknown)[0]!r} (present, absent)")
    out: dict[str, list[str]] = {}
    for key in ("present", "absent"):
        items = value.get(key, [])
        if not isinstance(items, list) or not all(isinstance(i, str) and i.strip() for i in items):
            raise ValueError(f"{key}: expected a list of paths or gitignore-style globs")
        out[key] = list(items)
    return out


def _seconds(value: object) -> object:
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        raise ValueError("expected a number of seconds greater than 0, e.g. 60")
    return float(value)


def _memory(value: object) -> object:
    if not isinstance(value, str) or not value.strip() or not value.strip()[:-1].replace(".", "").isdigit():
        raise ValueError('expected a size such as "512m" or "1g"')
    return value.strip()


OPTIONS: Mapping[str, Option] = {
    "dockerfile": Option("The Dockerfile to build, relative to the project (default: detected).", check=string),
    "context": Option(
        "Build context, relative to the project (default: as the build-context check finds it).", check=string
    ),
    "target": Option("The stage to build (`--target`).", check=string),
    "build_args": Option(
        "Build args (`--build-arg`).", check=string_table(': { BASE = "python:3.11-slim" }'), type_name="table"
    ),
    "platform": Option('The platform to build for, e.g. "linux/amd64".', check=string),
    "labels": Option("Labels to give the image.", check=string_table(': { team = "payments" }'), type_name="table"),
    "no_cache": Option("Build without the cache (default: false).", check=boolean, type_name="boolean"),
    "pull": Option("Pull newer base images before building (default: false).", check=boolean, type_name="boolean"),
    "builder": Option(
        '"auto" (default: BuildKit when the engine advertises it or the Dockerfile needs it), "classic" or "buildkit".',
        check=one_of(*BUILDER_CHOICES),
    ),
    "keep": Option("Keep the tagged image after the run (default: remove it).", check=boolean, type_name="boolean"),
    "smoke": Option(
        "Commands to run in the built image (default: import the entrypoint module with the image's Python).",
        check=_smoke,
        type_name="list",
    ),
    "smoke_timeout": Option("Seconds each smoke command may take (default: 60).", check=_seconds, type_name="number"),
    "smoke_memory": Option('Memory limit of a smoke container (default: "512m").', check=_memory),
    "files": Option(
        "Paths or globs (relative to WORKDIR unless they start with /) that must be present or absent in the image.",
        check=_files,
        type_name="table",
    ),
}
