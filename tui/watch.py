"""Which validators a file change concerns: `watch` globs from config, or defaults per kind."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import pathspec

from validators.engine.model import ValidatorSpec

DEFAULT_GLOBS = {
    "command": ["**/*.py", "**/*.toml", "**/*.cfg", "**/*.ini", "**/*.txt", "**/*.json", "**/*.yaml", "**/*.yml"],
    "dockerignore": ["**/.dockerignore", "**/Dockerfile*", "**/*.Dockerfile", "**/*.dockerignore", "**/*.py"],
}
IGNORED_PARTS = {".git", ".checkdeck", "__pycache__", ".venv", ".mypy_cache", ".ruff_cache", ".pytest_cache"}


def globs_for(spec: ValidatorSpec) -> list[str]:
    return list(spec.watch) if spec.watch else DEFAULT_GLOBS.get(spec.kind, ["**/*"])


class OwnWrites:
    """Files checkdeck itself wrote (exports), so that watch mode never reacts to them, nor to
    the temporary files `write_atomic` makes beside them."""

    def __init__(self) -> None:
        self._paths: set[Path] = set()

    def add(self, path: Path) -> None:
        self._paths.add(path.resolve())

    def __contains__(self, path: Path) -> bool:
        resolved = path.resolve()
        if resolved in self._paths:
            return True
        name = resolved.name
        return any(
            own.parent == resolved.parent and name.startswith(f".{own.name}.") and name.endswith(".tmp")
            for own in self._paths
        )


def affected(
    specs: Iterable[ValidatorSpec], project_dir: Path, changed: Iterable[str], own: OwnWrites | None = None
) -> list[str]:
    """Names of the validators whose globs match any changed path (absolute or relative)."""
    relative = []
    for raw in changed:
        path = Path(raw)
        if own is not None and (project_dir / path if not path.is_absolute() else path) in own:
            continue
        try:
            rel = path.resolve().relative_to(project_dir.resolve()) if path.is_absolute() else path
        except ValueError:
            continue
        if IGNORED_PARTS & set(rel.parts):
            continue
        relative.append(rel.as_posix())
    if not relative:
        return []
    names = []
    for spec in specs:
        matcher = pathspec.GitIgnoreSpec.from_lines(globs_for(spec))
        if any(matcher.match_file(p) for p in relative):
            names.append(spec.name)
    return names
