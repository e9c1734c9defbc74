"""The `dockerignore` kind's config keys."""

from __future__ import annotations

from collections.abc import Mapping

from validators.config.options import boolean, one_of, string, string_list, string_table
from validators.docker.builders import BUILDERS
from validators.docker.engine_rules import EngineVersionError, parse_engine_version
from validators.engine.base import Option


def _dockerfiles(value: object) -> object:
    if not isinstance(value, list):
        raise ValueError('expected a list: ["Dockerfile"] or [{ path = "api.Dockerfile", context = "api" }]')
    out = []
    for item in value:
        if isinstance(item, str) and item:
            out.append({"path": item})
        elif isinstance(item, dict) and isinstance(item.get("path"), str):
            unknown = set(item) - {"path", "context", "builder", "target", "build_args"}
            if unknown:
                raise ValueError(
                    f"unknown key {sorted(unknown)[0]!r} in a dockerfiles entry "
                    "(path, context, builder, target, build_args)"
                )
            if "build_args" in item:
                item = {**item, "build_args": _build_args(item["build_args"])}
            if "builder" in item and item["builder"] not in BUILDERS:
                raise ValueError(f"builder must be one of {', '.join(BUILDERS)}")
            out.append(dict(item))
        else:
            raise ValueError("each dockerfiles entry is a path or a table with `path`")
    return out


_build_args = string_table(': { NETBOX_PATH = "netbox" }')


def _engine(value: object) -> object:
    if not isinstance(value, str):
        raise ValueError('expected a version string such as "20.10", "24.0.7" or "current"')
    try:
        parse_engine_version(value)
    except EngineVersionError as exc:
        raise ValueError(str(exc)) from exc
    return value


OPTIONS: Mapping[str, Option] = {
    "dockerfiles": Option("Dockerfiles to check (default: detected).", check=_dockerfiles, type_name="list"),
    "context": Option("Build context, relative to the project (default: .).", check=string),
    "build_args": Option(
        "Build args (`--build-arg`) for every Dockerfile; compose `args` and entries' own win.",
        check=_build_args,
        type_name="table",
    ),
    "builder": Option('"buildkit" (default) or "classic".', check=one_of(*BUILDERS)),
    "engine": Option(
        'Docker engine version whose rules apply, e.g. "20.10" or "current" (default: ask the engine).',
        check=_engine,
    ),
    "required": Option("gitignore-style globs that must be in the context.", check=string_list, type_name="list"),
    "entrypoints": Option("Extra modules or scripts to follow imports from.", check=string_list, type_name="list"),
    "detect_entrypoints": Option(
        "Follow imports from CMD/ENTRYPOINT (default: true).", check=boolean, type_name="boolean"
    ),
    "secrets": Option("Warn about secrets in the context (default: true).", check=boolean, type_name="boolean"),
    "compare_builders": Option(
        "Warn when BuildKit and classic send different files (default: true).", check=boolean, type_name="boolean"
    ),
}
