"""Whether a path the checkout lacks is one the project makes before `docker build` (a wheel,
a compiled frontend, a generated config): Git ignores it, or a build script names it. Such a
path cannot be judged from the checkout: it is a note, not a build failure."""

from __future__ import annotations

import os
import posixpath
from pathlib import Path

import pathspec

from validators.engine.safe_read import read_regular

_SCRIPT_NAMES = {"makefile", "gnumakefile", "justfile", "taskfile.yml", "tox.ini", "noxfile.py", "package.json"}
_SCRIPT_SUFFIXES = (".sh", ".bash", ".mk", ".ps1")
_SCRIPT_DIRS = ("", "scripts", "bin", "docker", "build", "ci", "tools", ".github/workflows")
_MAX_BYTES = 512 * 1024


def _gitignore(project: str) -> tuple[list[str], pathspec.GitIgnoreSpec] | None:
    try:
        lines = read_regular(Path(project) / ".gitignore").decode("utf-8", "replace").splitlines()
    except OSError:
        return None
    return lines, pathspec.GitIgnoreSpec.from_lines(lines)


def _scripts(project: str) -> tuple[tuple[str, bytes], ...]:
    found = []
    for folder in _SCRIPT_DIRS:
        try:
            entries = sorted(os.scandir(Path(project) / folder), key=lambda e: e.name)
        except OSError:
            continue
        for entry in entries:
            name = entry.name.lower()
            in_workflows = folder == ".github/workflows" and name.endswith((".yml", ".yaml"))
            if not (name in _SCRIPT_NAMES or name.endswith(_SCRIPT_SUFFIXES) or in_workflows):
                continue
            try:
                if entry.is_file(follow_symlinks=False):
                    found.append((posixpath.join(folder, entry.name), read_regular(entry.path)[:_MAX_BYTES]))
            except OSError:
                continue
    return tuple(found)


class BuildHints:
    """The project's .gitignore and build scripts, read once (per run: they change between runs)."""

    def __init__(self, project: Path) -> None:
        self.ignored = _gitignore(str(project))
        self.scripts = _scripts(str(project))

    def made_before_build(self, path: str) -> str | None:
        """Why `path` (relative to the project) is probably made before the build, or None."""
        ignored = self.ignored
        if ignored is not None:
            lines, spec = ignored
            if spec.match_file(path) or spec.match_file(path + "/"):
                # The deciding line is the last one that matches (pathspec's own index skips
                # blank and comment lines, so it is not a line number).
                for number in range(len(lines), 0, -1):
                    text = lines[number - 1].strip()
                    if not text or text.startswith(("#", "!")):
                        continue
                    single = pathspec.GitIgnoreSpec.from_lines([text])
                    if single.match_file(path) or single.match_file(path + "/"):
                        return f"Git ignores it (.gitignore:{number} `{text}`)"
                return "Git ignores it (.gitignore)"
        name = posixpath.basename(path.rstrip("/"))
        if len(name) < 4:
            return None  # "app", "src": too common to say anything
        needle = name.encode()
        for script, data in self.scripts:
            at = data.find(needle)
            if at >= 0:
                line = data.count(b"\n", 0, at) + 1
                return f"{script}:{line} names it"
        return None
