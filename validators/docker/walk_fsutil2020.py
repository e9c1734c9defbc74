"""The build context as the BuildKit of Docker 20.10 sends it (BuildKit v0.8.4, the CLI's vendored
tonistiigi/fsutil walker of 2020-11 with moby 20.10's `fileutils.Matches`).

Three things differ from current BuildKit: each pattern compiles to a regexp that escapes only
`.` and `$` (no exact, prefix or suffix match types); every pattern is evaluated for every path,
and a parent directory is tested only at the pattern's own depth; an excluded directory is
pruned unless some exception's literal text starts with its path. A pattern that fails to
compile fails the build at the first path ("failed to match excludepatterns").

Matching runs all patterns over a path in one RE2 set call; what a path inherits from its
parent (the patterns an ancestor at that pattern's own depth matched) is carried down the walk."""

from __future__ import annotations

from collections.abc import Sequence

from validators.docker.decide import Rec
from validators.docker.gosyntax import BadPattern, GoRegexps, go_regexp
from validators.docker.patterns import Pattern, PatternError, legacy_source
from validators.docker.snapshot import Snapshot
from validators.docker.walk import Walker, WalkResult


class Fsutil2020Walker(Walker):
    def __init__(
        self, root: str, patterns: Sequence[Pattern], *, sizes: bool = False, snapshot: Snapshot | None = None
    ) -> None:
        # The pruning rule is the classic CLI's: an exception's literal text starting with the path.
        super().__init__(root, patterns, "classic", sizes=sizes, snapshot=snapshot)
        self.compile_error: PatternError | None = None
        self._set: GoRegexps | None = None
        sources = [legacy_source(pattern.text) for pattern in self.patterns]
        for pattern, source in zip(self.patterns, sources, strict=True):
            try:
                go_regexp(source)  # compiled once per process, whichever walker asks
            except BadPattern:
                # fileutils reports any regexp error as filepath.ErrBadPattern.
                self.compile_error = PatternError(
                    "failed to match excludepatterns: syntax error in pattern", pattern.source
                )
                break
        else:
            self._set = GoRegexps(sources)
        self._exclusion = [p.exclusion for p in self.patterns]
        self.ordered = True

    def own(self, path: str) -> list[int]:
        if self._set is None:
            assert self.compile_error is not None
            raise self.compile_error
        return self._set.matching(path)

    def step(self, path: str, parent: Rec) -> tuple[bool, Rec, int | None]:
        """(excluded, what the children of `path` inherit, the deciding pattern) for one path
        whose parent passed down `parent`: the patterns an ancestor matched at their own depth."""
        own = self.own(path)
        decider = max((*parent, *own)) if parent or own else None
        excluded = decider is not None and not self._exclusion[decider]
        depth = path.count("/") + 1
        at_own_depth = [i for i in own if self.patterns[i].dirs == depth]
        return excluded, (tuple(sorted({*parent, *at_own_depth})) if at_own_depth else parent), decider

    def run(self) -> WalkResult:
        result = WalkResult()
        try:
            self._walk_2020(self.root, "", (), result)
        except PatternError as exc:
            result.stop_error = exc
        return result

    def _walk_2020(self, path: str, prefix: str, parent: Rec, result: WalkResult) -> None:
        for entry in self._scan(path, result, prefix[:-1]):
            rel = prefix + entry.name
            try:
                is_dir = entry.is_dir(follow_symlinks=False)
            except OSError:
                is_dir = False
            try:
                excluded, passed_down, _ = self.step(rel, parent)
            except PatternError:
                result.stopped_at = rel
                raise
            if is_dir:
                if not excluded or not self.may_prune(rel):
                    self._walk_2020(entry.path, rel + "/", passed_down, result)
                continue
            if excluded:
                continue
            one = self._entry(entry, rel, result)
            if one is not None:
                result.entries.append(one)
