"""Folders that have no business in a build context (caches, virtualenvs, VCS data, checkdeck's
own logs), found once each with what they weigh."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from validators.docker.walk import Entry

# name -> the line that keeps it out, and whether it holds secrets (the daemon gets them all)
CLUTTER: dict[str, tuple[str, bool]] = {
    ".git": (".git", True),
    ".checkdeck": (".checkdeck", True),  # full logs of every run: output, maybe secrets
    ".venv": (".venv", False),
    "venv": ("venv", False),
    "node_modules": ("**/node_modules", False),
    "__pycache__": ("**/__pycache__", False),
    ".mypy_cache": ("**/.mypy_cache", False),
    ".pytest_cache": ("**/.pytest_cache", False),
    ".ruff_cache": ("**/.ruff_cache", False),
    ".tox": (".tox", False),
}


@dataclass(frozen=True)
class Clutter:
    name: str  # the folder name, e.g. "__pycache__"
    folders: tuple[str, ...]  # where it is in the context, outermost only
    files: int
    size: int
    line: str  # the .dockerignore line that leaves it out
    sensitive: bool


def find_clutter(entries: Iterable[Entry]) -> list[Clutter]:
    found: dict[str, tuple[set[str], list[int]]] = {}
    for entry in entries:
        parts = entry.path.split("/")
        for depth, part in enumerate(parts[:-1]):
            if part in CLUTTER:
                folders, totals = found.setdefault(part, (set(), [0, 0]))
                folders.add("/".join(parts[: depth + 1]))
                totals[0] += 1
                totals[1] += entry.size
                break
    out = []
    for name, (folders, (files, size)) in sorted(found.items(), key=lambda kv: -kv[1][1][1]):
        line, sensitive = CLUTTER[name]
        outermost = tuple(sorted(f for f in folders if not any(f.startswith(o + "/") for o in folders if o != f)))
        out.append(Clutter(name, outermost, files, size, line, sensitive))
    return out
