"""Which files the code rules and the score cover: gitignore-style include and exclude globs
(pathspec), with tests and vendored code left out by default, each exclusion counted by why."""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pathspec

DEFAULT_EXCLUDES = (
    "**/tests/**",
    "**/test/**",
    "**/test_*.py",
    "**/*_test.py",
    "**/conftest.py",
    "**/vendor/**",
    "**/vendored/**",
    "**/_vendor/**",
    "**/third_party/**",
    "**/site-packages/**",
    "**/migrations/**",
)
# Never code of the project: environments, caches, checkdeck's own state.
SKIPPED_DIRS = frozenset(
    {".git", ".hg", ".svn", ".checkdeck", ".venv", "venv", "node_modules", "__pycache__", ".tox", ".nox", ".mypy_cache"}
)


@dataclass
class Scope:
    files: list[str] = field(default_factory=list)  # relative POSIX paths, sorted
    excluded: Counter[str] = field(default_factory=Counter)  # pattern -> files it left out
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()


def python_files(project: Path) -> list[str]:
    out: list[str] = []
    for dirpath, dirs, files in os.walk(project):
        dirs[:] = sorted(d for d in dirs if d not in SKIPPED_DIRS and not d.startswith("."))
        rel = os.path.relpath(dirpath, project).replace(os.sep, "/")
        for name in files:
            if name.endswith(".py"):
                out.append(name if rel == "." else f"{rel}/{name}")
    return sorted(out)


def select(candidates: Sequence[str], include: Sequence[str], exclude: Sequence[str]) -> Scope:
    scope = Scope(include=tuple(include), exclude=tuple(exclude))
    included = pathspec.GitIgnoreSpec.from_lines(include)
    any_exclude = pathspec.GitIgnoreSpec.from_lines(exclude)
    excluders = [(p, pathspec.GitIgnoreSpec.from_lines([p])) for p in exclude]
    for path in candidates:
        if not included.match_file(path):
            continue
        # One combined test for the common case; the first pattern that matches says why.
        why = (
            next((p for p, spec in excluders if spec.match_file(path)), None) if any_exclude.match_file(path) else None
        )
        if why is None:
            scope.files.append(path)
        else:
            scope.excluded[why] += 1
    return scope
