"""The modules of a project's root packages, found the way grimp finds them, plus what grimp
leaves out silently: folders without `__init__.py` inside a package (Python imports them as
namespace packages), files whose names are not module names, names that are not UTF-8."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

SCAN, REPORT = "scan", "report"


class LayoutError(Exception):
    pass


@dataclass(frozen=True)
class ModuleFile:
    name: str  # dotted
    path: str  # relative to the project, POSIX
    is_package: bool  # an __init__.py


@dataclass
class Layout:
    roots: tuple[str, ...]
    root_dirs: dict[str, str] = field(default_factory=dict)  # root -> its folder, relative
    modules: list[ModuleFile] = field(default_factory=list)
    namespaces: list[str] = field(default_factory=list)  # dotted names of folders without __init__.py
    # Folders without __init__.py inside a regular package: (folder, .py files under it, scanned?)
    orphans: list[tuple[str, int, bool]] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (path, why it is not a module)

    def by_name(self) -> dict[str, ModuleFile]:
        return {m.name: m for m in self.modules}


def root_dir(project: Path, root: str) -> Path | None:
    """Where a root package lives: at the project's top or under src/."""
    rel = Path(*root.split("."))
    for base in (project, project / "src"):
        if (base / rel).is_dir():
            return base / rel
    return None


def _decodable(name: str) -> bool:
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _count_py(folder: str) -> int:
    return sum(1 for _, _, files in os.walk(folder) for f in files if f.endswith(".py"))


def find_layout(project: Path, roots: list[str], namespaces: str = SCAN) -> Layout:
    layout = Layout(tuple(roots))
    for root in roots:
        folder = root_dir(project, root)
        if folder is None:
            raise LayoutError(f"root package {root!r}: no folder {root.replace('.', '/')} in the project or in src/")
        layout.root_dirs[root] = folder.relative_to(project).as_posix()
        _walk(project, root, folder, layout, namespaces)
    layout.modules.sort(key=lambda m: m.name)
    return layout


def _walk(project: Path, root: str, folder: Path, layout: Layout, mode: str) -> None:
    top = str(folder)
    portions: list[str] = []  # folders with __init__.py: below one, a folder without is an orphan
    candidates: list[tuple[str, str]] = []  # (folder, dotted) of namespace candidates
    found_py: list[str] = []
    for dirpath, dirs, files in os.walk(top):
        rel_dir = os.path.relpath(dirpath, project).replace(os.sep, "/")
        inner = os.path.relpath(dirpath, top)
        dotted = root if inner == "." else root + "." + inner.replace(os.sep, ".")
        inside = any(dirpath == p or dirpath.startswith(p + os.sep) for p in portions)
        if "__init__.py" in files:
            if not inside:
                portions.append(dirpath)
        elif inside:
            within = any(rel_dir.startswith(o + "/") for o, _, _ in layout.orphans)
            count = 0 if within else _count_py(dirpath)
            if count:
                layout.orphans.append((rel_dir, count, mode == SCAN))
            if mode != SCAN:
                dirs[:] = []
                continue
            candidates.append((dirpath, dotted))
        else:
            candidates.append((dirpath, dotted))
        keep = []
        for d in sorted(dirs):
            if not _decodable(d):
                layout.skipped.append((f"{rel_dir}/{d}", "its name is not valid UTF-8"))
            elif d.isidentifier():
                keep.append(d)
            elif not d.startswith(".") and d != "__pycache__" and _count_py(os.path.join(dirpath, d)):
                layout.skipped.append((f"{rel_dir}/{d}/", "not a valid package name, so never importable"))
        dirs[:] = keep
        for name in sorted(files):
            if not name.endswith(".py") or name.startswith("."):
                continue
            if not _decodable(name):
                layout.skipped.append((f"{rel_dir}/{name}", "its name is not valid UTF-8"))
                continue
            if name.count(".") > 1:
                layout.skipped.append((f"{rel_dir}/{name}", "a dot in the name: not importable as a module"))
                continue
            path = os.path.join(dirpath, name)
            found_py.append(path)
            stem = name[:-3]
            is_package = stem == "__init__"
            module = dotted if is_package else f"{dotted}.{stem}"
            layout.modules.append(ModuleFile(module, f"{rel_dir}/{name}", is_package))
    for candidate, dotted in candidates:
        prefix = candidate + os.sep
        if any(p.startswith(prefix) for p in found_py):
            layout.namespaces.append(dotted)
