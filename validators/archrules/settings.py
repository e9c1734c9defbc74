"""The architecture rules' settings, as the validator's options give them."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import pathspec

SIZE_LIMITS = ("max_file_lines", "max_function_lines", "max_class_methods")
# Off until configured: a limit is the team's decision, and a guessed one would raise alarms
# in a healthy repository.
DEFAULT_LIMITS = {"max_file_lines": 0, "max_function_lines": 0, "max_class_methods": 0}


@dataclass(frozen=True)
class Override:
    paths: tuple[str, ...]
    limits: Mapping[str, int]  # 0 turns a rule off for these paths

    @cached_property
    def spec(self) -> pathspec.GitIgnoreSpec:
        return pathspec.GitIgnoreSpec.from_lines(self.paths)


@dataclass(frozen=True)
class BannedModule:
    module: str
    use: str | None = None
    reason: str | None = None


@dataclass(frozen=True)
class Settings:
    roots: tuple[str, ...] = ()
    importlinter: bool | str = True  # read the project's import-linter config; a path names it
    contracts: tuple[Mapping[str, Any], ...] = ()
    include_external_packages: bool | None = None  # None: as import-linter's config says
    exclude_type_checking_imports: bool | None = None
    namespace_packages: str = "scan"
    include: tuple[str, ...] = ()  # default: the root packages' folders
    exclude: tuple[str, ...] = ()
    default_excludes: bool = True
    limits: Mapping[str, int] = field(default_factory=lambda: dict(DEFAULT_LIMITS))
    overrides: tuple[Override, ...] = ()
    size_severity: str = "warning"
    duplicate_classes: bool = False
    duplicate_scope: str = "per-root"  # or "global"
    duplicate_allow: tuple[str, ...] = ()
    duplicate_paths: tuple[str, ...] = ()  # default: the whole scope
    star_imports: bool = False
    max_relative_depth: int = 0  # 0: any depth
    banned_modules: tuple[BannedModule, ...] = ()
    parse: str = "full"  # or "tokens": the import scanner's tokenizer-level check only
    baseline: str = "architecture-baseline.json"
    fail_on: str = "error"

    @property
    def needs_facts(self) -> bool:
        """Whether a rule reads the code itself, beyond its imports."""
        limits = [*self.limits.values(), *(v for o in self.overrides for v in o.limits.values())]
        return any(limits) or self.duplicate_classes or self.parse == "full"

    def limit(self, rule: str, path: str) -> int:
        """The limit for a file: the last override whose paths match it wins."""
        value = self.limits.get(rule, 0)
        for override in self.overrides:
            if rule in override.limits and override.spec.match_file(path):
                value = override.limits[rule]
        return value


def from_options(options: Mapping[str, object]) -> Settings:
    def strings(key: str) -> tuple[str, ...]:
        value = options.get(key)
        return tuple(str(v) for v in value) if isinstance(value, list) else ()

    limits = dict(DEFAULT_LIMITS)
    for key in SIZE_LIMITS:
        value = options.get(key)
        if isinstance(value, int):
            limits[key] = value
    overrides = tuple(
        Override(tuple(o["paths"]), {k: int(v) for k, v in o.items() if k in SIZE_LIMITS})
        for o in _tables(options, "overrides")
    )
    duplicates = options.get("duplicate_classes", False)
    dup: Mapping[str, Any] = duplicates if isinstance(duplicates, Mapping) else {}
    banned = tuple(
        BannedModule(str(b["module"]), b.get("use"), b.get("reason")) for b in _tables(options, "banned_modules")
    )
    importlinter = options.get("importlinter", True)
    return Settings(
        roots=strings("roots"),
        importlinter=importlinter if isinstance(importlinter, bool | str) else True,
        contracts=tuple(options.get("contracts", []) or []),  # type: ignore[arg-type]
        include_external_packages=_bool_or_none(options.get("include_external_packages")),
        exclude_type_checking_imports=_bool_or_none(options.get("exclude_type_checking_imports")),
        namespace_packages=str(options.get("namespace_packages", "scan")),
        include=strings("include"),
        exclude=strings("exclude"),
        default_excludes=bool(options.get("default_excludes", True)),
        limits=limits,
        overrides=overrides,
        size_severity=str(options.get("size_severity", "warning")),
        duplicate_classes=duplicates is True or isinstance(duplicates, Mapping),
        duplicate_scope=str(dup.get("scope", "per-root")),
        duplicate_allow=tuple(dup.get("allow", ())),
        duplicate_paths=tuple(dup.get("paths", ())),
        star_imports=bool(options.get("star_imports", False)),
        max_relative_depth=int(options.get("max_relative_depth", 0)),  # type: ignore[call-overload]
        banned_modules=banned,
        parse=str(options.get("parse", "full")),
        baseline=str(options.get("baseline", "architecture-baseline.json")),
        fail_on=str(options.get("fail_on", "error")),
    )


def _tables(options: Mapping[str, object], key: str) -> list[Mapping[str, Any]]:
    value = options.get(key)
    return [v for v in value if isinstance(v, Mapping)] if isinstance(value, list) else []


def _bool_or_none(value: object) -> bool | None:
    return value if isinstance(value, bool) else None
