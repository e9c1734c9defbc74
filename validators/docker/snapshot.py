"""One walk of a build context, kept in memory and shared: by the listing of each builder, by the
unfiltered view the image simulation compares with, and by every Dockerfile that builds from the
same context during one run.

The analysis keeps one per run key (the validator's run and attempt), so a rerun sees the files
as they are then; within one run all Dockerfiles judge the same state of the tree. Entries are
the `os.DirEntry` objects themselves: their type comes from the directory read, and `stat()`
runs (once) only for the entries a listing asks the size of."""

from __future__ import annotations

import os
from pathlib import Path


class Snapshot:
    def __init__(self, root: Path) -> None:
        self.root = root
        # Relative directory ("" for the root) -> its entries sorted by name; an unreadable
        # directory has no entry here.
        self.dirs: dict[str, list[os.DirEntry[str]]] = {}
        stack = [("", str(root))]
        while stack:
            rel, path = stack.pop()
            try:
                with os.scandir(path) as it:
                    entries = sorted(it, key=lambda e: e.name)
            except OSError:
                continue
            self.dirs[rel] = entries
            prefix = rel + "/" if rel else ""
            for entry in entries:
                try:
                    is_dir = entry.is_dir(follow_symlinks=False)
                except OSError:
                    is_dir = False
                if is_dir:
                    stack.append((prefix + entry.name, entry.path))

    def entries(self, rel: str) -> list[os.DirEntry[str]] | None:
        return self.dirs.get(rel)
