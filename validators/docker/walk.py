"""Walk a build context the way each builder does and list what it sends.

Classic (docker CLI + go-archive `Tarballer.Do`): lexical depth-first walk; an excluded
directory is pruned unless some exception's literal text starts with it; a pattern error met
during this walk stops it silently (the build goes on with a truncated context).
BuildKit (fsutil `filterFS.Walk`): prunes only while every exception is literal; a pattern
error fails the build."""

from __future__ import annotations

import gc
import os
import stat
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

from validators.docker.decide import Decider, Rec
from validators.docker.patterns import Pattern, PatternError
from validators.docker.snapshot import Snapshot

_PATTERN_CHARS = set("*[]?^\\")


class Entry(NamedTuple):
    """One sent entry. A tuple rather than a dataclass: a context can hold millions."""

    path: str  # POSIX, relative to the context
    kind: str  # "file", "symlink", "other"
    size: int = 0


@dataclass
class WalkResult:
    entries: list[Entry] = field(default_factory=list)  # what is sent, files and symlinks
    stopped_at: str | None = None  # classic: where a pattern error silently ended the walk
    stop_error: PatternError | None = None
    unreadable: list[str] = field(default_factory=list)


def _without_trailing_glob(text: str) -> str:
    if text.endswith("/**"):
        return text[:-3]
    if text.endswith("/*"):
        return text[:-2]
    return text


class Walker:
    def __init__(
        self,
        root: str,
        patterns: Sequence[Pattern],
        builder: str,
        *,
        sizes: bool = False,
        snapshot: Snapshot | None = None,
    ) -> None:
        self.root = root
        self.snapshot = snapshot
        self.patterns = list(patterns)
        self.builder = builder
        self.sizes = sizes
        self.decider = Decider(self.patterns)
        exceptions = [p for p in self.patterns if p.exclusion]
        self.has_exceptions = bool(exceptions)
        if builder == "classic":
            self.prune_allowed = True
            self.exception_prefixes = tuple(p.text + "/" for p in exceptions)
        else:
            self.prune_allowed = not any(_PATTERN_CHARS & set(_without_trailing_glob(p.text)) for p in exceptions)
            self.exception_prefixes = tuple(_without_trailing_glob(p.text) + "/" for p in exceptions)
        # Walk order only matters when a pattern can fail part-way through.
        self.ordered = bool(self.decider.errors)
        self.check_readable = os.geteuid() != 0

    def may_prune(self, rel: str) -> bool:
        """Whether an excluded directory is skipped without looking inside."""
        if not self.prune_allowed:
            return False
        if not self.has_exceptions:
            return True
        dir_slash = rel + "/"
        return not any(prefix.startswith(dir_slash) for prefix in self.exception_prefixes)

    def step(self, path: str, parent: Rec) -> tuple[bool, Rec, int | None]:
        """(excluded, what the children of `path` inherit, the deciding pattern)."""
        return self.decider.decide(path, parent)

    def run(self) -> WalkResult:
        result = WalkResult()
        # The walk allocates one small object per entry and frees none: the cyclic garbage
        # collector would only rescan them over and over.
        was_enabled = gc.isenabled()
        gc.disable()
        try:
            self._walk_dir(self.root, "", (), result)
        except PatternError as exc:
            result.stop_error = exc
        finally:
            if was_enabled:
                gc.enable()
        return result

    def _scan(self, path: str, result: WalkResult, rel: str) -> Sequence[os.DirEntry[str]]:
        if self.snapshot is not None:
            found = self.snapshot.entries(rel)
            if found is None:
                result.unreadable.append(rel or ".")
                return []
            return found  # already sorted by name
        try:
            with os.scandir(path) as it:
                entries = list(it)
        except OSError:
            result.unreadable.append(rel or ".")
            return []
        if self.ordered:
            entries.sort(key=lambda e: e.name)
        return entries

    def _walk_dir(self, path: str, prefix: str, parent: Rec, result: WalkResult) -> None:
        entries = self._scan(path, result, prefix[:-1])
        decider = self.decider
        local = decider.local(prefix[:-1])
        rels = [prefix + e.name for e in entries]
        owns: dict[int, set[int]] | None = None
        default: tuple[bool, Rec, int | None] = (False, (), None)
        if not decider.errors:
            # Only the entries some pattern matches need deciding one by one: for every other
            # entry, the verdict comes from what the directory passes down, the same for all.
            owns = decider.batch_owns(prefix, rels, local)
            if parent:
                default = decider.resolve(parent, set())
        plain = not self.sizes and not self.check_readable
        sent = result.entries
        default_excluded, default_rec, _ = default
        for index, entry in enumerate(entries):
            rel = rels[index]
            try:
                is_dir = entry.is_dir(follow_symlinks=False)
            except OSError:
                is_dir = False
            if owns is None:
                try:
                    excluded, rec, _ = decider.decide(rel, parent, local)
                except PatternError:
                    result.stopped_at = rel
                    raise
            elif owns and index in owns:
                excluded, rec, _ = decider.resolve(parent, owns[index])
            else:
                excluded, rec = default_excluded, default_rec
            if excluded:
                if is_dir and not self.may_prune(rel):
                    self._walk_dir(entry.path, rel + "/", rec, result)
                continue
            if is_dir:
                self._walk_dir(entry.path, rel + "/", rec, result)
            elif plain and entry.is_file(follow_symlinks=False):
                sent.append(Entry(rel, "file"))
            else:
                one = self._entry(entry, rel, result)
                if one is not None:
                    sent.append(one)

    def _entry(self, entry: os.DirEntry[str], rel: str, result: WalkResult) -> Entry | None:
        try:
            if entry.is_symlink():
                return Entry(rel, "symlink")
            regular = entry.is_file(follow_symlinks=False)
            if regular and not self.sizes and not self.check_readable:
                return Entry(rel, "file")
            st = entry.stat(follow_symlinks=False)
        except OSError:
            result.unreadable.append(rel)
            return Entry(rel, "other")
        if stat.S_ISSOCK(st.st_mode):
            return None  # the tar writer skips sockets
        kind = "file" if stat.S_ISREG(st.st_mode) else "other"
        if self.check_readable and kind == "file" and not os.access(entry.path, os.R_OK):
            result.unreadable.append(rel)
        return Entry(rel, kind, st.st_size if kind == "file" else 0)
