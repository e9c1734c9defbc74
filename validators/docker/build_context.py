"""What a build sends: the context listing per builder, the errors that make Docker refuse the
build, and the line that decided each path."""

from __future__ import annotations

import os
import stat
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from validators.docker.gosyntax import check_match_syntax, check_match_syntax_go119
from validators.docker.ignorefile import IgnoreFileError, IgnoreLine, read_ignore
from validators.docker.patterns import (
    Pattern,
    PatternError,
    legacy_daemon_matches,
    matches_deprecated,
    matches_or_parent_matches,
    new_matcher,
)
from validators.docker.snapshot import Snapshot
from validators.docker.walk import Entry, Walker, WalkResult
from validators.docker.walk_fsutil2020 import Fsutil2020Walker
from validators.engine.safe_read import read_regular

# The classic CLI sends a Dockerfile from outside the context as `.dockerfile.<random hex>`.
INJECTED_DOCKERFILE = ".dockerfile.0123456789abcdef0123"


@dataclass(frozen=True)
class ContextSpec:
    context_dir: Path
    dockerfile: Path | None = None  # absolute; None means <context>/Dockerfile
    builder: str = "buildkit"
    daemon: str = "current"  # classic only: "legacy" (dockerd <= 20.10) or "current"
    buildkit: str = "current"  # buildkit only: "v0.8" (Docker 20.10) or "current"

    @property
    def fsutil_2020(self) -> bool:
        """Docker 20.10's BuildKit: its own pattern check and walker."""
        return self.builder == "buildkit" and self.buildkit == "v0.8"

    @property
    def dockerfile_path(self) -> Path:
        return self.dockerfile or self.context_dir / "Dockerfile"

    @property
    def dockerfile_rel(self) -> str | None:
        """The Dockerfile relative to the context, or None when it lies outside."""
        try:
            rel = self.dockerfile_path.resolve().relative_to(self.context_dir.resolve())
        except ValueError:
            return None
        return rel.as_posix()


@dataclass(frozen=True)
class ContextError:
    """Docker refuses the build: message, and the ignore file line when one is to blame."""

    message: str
    ignore_file: Path | None = None
    line: IgnoreLine | None = None


@dataclass
class ContextReport:
    spec: ContextSpec
    ignore_file: Path | None
    lines: list[IgnoreLine]
    patterns: list[Pattern]  # as applied by the walk (the classic CLI appends exceptions)
    entries: list[Entry] = field(default_factory=list)  # sorted by path
    error: ContextError | None = None
    walk: WalkResult | None = None
    notes: list[str] = field(default_factory=list)
    snapshot: Snapshot | None = None  # the tree it was computed from, when not the disk

    @property
    def paths(self) -> list[str]:
        return [e.path for e in self.entries]

    @property
    def total_size(self) -> int:
        return sum(e.size for e in self.entries)


def ignore_file_for(spec: ContextSpec) -> Path | None:
    if spec.builder == "buildkit":
        own = spec.dockerfile_path.with_name(spec.dockerfile_path.name + ".dockerignore")
        if own.is_file():
            return own
    root = spec.context_dir / ".dockerignore"
    return root if root.exists() else None


def walker_for(
    spec: ContextSpec, patterns: Sequence[Pattern], *, sizes: bool = False, snapshot: Snapshot | None = None
) -> Walker:
    if spec.fsutil_2020:
        return Fsutil2020Walker(str(spec.context_dir), patterns, sizes=sizes, snapshot=snapshot)
    return Walker(str(spec.context_dir), patterns, spec.builder, sizes=sizes, snapshot=snapshot)


def _synthetic(pattern: str, why: str) -> IgnoreLine:
    return IgnoreLine(0, f"{pattern}  ({why})", pattern)


def _validate_context(root: Path, patterns: list[Pattern]) -> PatternError | None:
    """ValidateContextDirectory: MatchesOrParentMatches over the tree, pruning excluded
    directories. Only run when some pattern can fail, so the exact slow loop is fine."""
    stack = [("", str(root))]
    while stack:
        prefix, path = stack.pop()
        try:
            with os.scandir(path) as it:
                entries = sorted(it, key=lambda e: e.name, reverse=True)
        except OSError:
            continue
        for entry in entries:
            rel = prefix + entry.name
            try:
                excluded, _ = matches_or_parent_matches(patterns, rel)
            except PatternError as exc:
                return exc
            if entry.is_dir(follow_symlinks=False) and not excluded:
                stack.append((rel + "/", entry.path))
    return None


def compute(
    spec: ContextSpec, *, sizes: bool = False, extra_lines: Sequence[str] = (), snapshot: Snapshot | None = None
) -> ContextReport:
    """The context `spec` sends; `extra_lines` are appended to the ignore file (to try a fix).
    With a snapshot, the tree is read from it instead of the disk."""
    ignore = ignore_file_for(spec)
    lines: list[IgnoreLine] = []
    if ignore is not None or extra_lines:
        try:
            data = read_regular(ignore) if ignore is not None else b""
            if extra_lines:
                data += (b"" if not data or data.endswith(b"\n") else b"\n") + "\n".join(extra_lines).encode() + b"\n"
            lines = read_ignore(data, str(ignore or ".dockerignore"))
        except IgnoreFileError as exc:
            error = ContextError(str(exc), ignore, None)
            return ContextReport(spec, ignore, [], [], error=error)
        except OSError as exc:
            return ContextReport(spec, ignore, [], [], error=ContextError(f"cannot read {ignore}: {exc}", ignore))
    report = ContextReport(spec, ignore, lines, [], snapshot=snapshot)
    try:
        patterns = new_matcher(lines, check_match_syntax_go119 if spec.fsutil_2020 else check_match_syntax)
    except PatternError as exc:
        report.error = ContextError(f"Docker refuses this build: {exc.detail}", ignore, exc.line)
        return report
    if spec.builder == "classic":
        for pattern in patterns:
            pattern.compile()
        if any(p.error for p in patterns):
            failure = _validate_context(spec.context_dir, patterns)
            if failure is not None:
                report.error = ContextError(
                    f"Docker refuses this build (error checking context): {failure.detail}", ignore, failure.line
                )
                return report
        patterns = _trim_build_files(spec, lines, patterns)
    report.patterns = patterns
    walk = walker_for(spec, patterns, sizes=sizes, snapshot=snapshot).run()
    report.walk = walk
    if walk.stop_error is not None:
        if spec.builder == "buildkit":
            report.error = ContextError(
                f"Docker refuses this build: {walk.stop_error.detail} (evaluating {walk.stopped_at})",
                ignore,
                walk.stop_error.line,
            )
            return report
        report.notes.append(
            f"the classic builder stops listing the context at {walk.stopped_at} because "
            f"{walk.stop_error}; every file after it is silently missing from the build"
        )
    entries = walk.entries
    if spec.builder == "classic":
        rel = spec.dockerfile_rel
        if rel is not None and spec.dockerfile_path.exists() and not any(e.path == rel for e in entries):
            # The deprecated matcher that decides what to force-send misses deep "**" matches.
            report.error = ContextError(f"Docker refuses this build: Cannot locate specified Dockerfile: {rel}", ignore)
            return report
        entries = _daemon_view(spec, lines, entries)
    report.entries = sorted(entries)  # tuples: by path first, and paths are unique
    return report


def _trim_build_files(spec: ContextSpec, lines: list[IgnoreLine], patterns: list[Pattern]) -> list[Pattern]:
    """TrimBuildFilesFromExcludes: the classic CLI always sends .dockerignore and the Dockerfile."""
    extra: list[IgnoreLine] = []
    current = list(lines)
    if matches_deprecated(patterns, ".dockerignore"):
        extra.append(_synthetic("!.dockerignore", "always sent by the docker CLI"))
    rel = spec.dockerfile_rel
    if rel is not None:
        if matches_deprecated(new_matcher(current + extra), rel):
            extra.append(_synthetic("!" + rel, "always sent by the docker CLI"))
    if not extra:
        return patterns
    return new_matcher(current + extra)


def _daemon_removes(spec: ContextSpec, lines: Sequence[IgnoreLine], path: str) -> bool:
    if spec.daemon == "legacy":
        return legacy_daemon_matches(path, lines)
    try:
        return matches_or_parent_matches(new_matcher(lines), path)[0] if path != "." else False
    except PatternError:
        return False


def _daemon_view(spec: ContextSpec, lines: list[IgnoreLine], entries: list[Entry]) -> list[Entry]:
    """The classic daemon deletes .dockerignore and the Dockerfile from what it received when
    its own matcher says the ignore file excludes them."""
    rel = spec.dockerfile_rel
    sent_lines = list(lines)
    out = list(entries)
    if rel is None:
        # The CLI appends the injected Dockerfile's name to the ignore file it sends, creating
        # one when there was none.
        if not any(e.path == ".dockerignore" for e in out):
            sent_lines = [IgnoreLine(1, ".dockerignore", ".dockerignore")]
            out.append(Entry(".dockerignore", "file"))
        sent_lines = [*sent_lines, IgnoreLine(0, INJECTED_DOCKERFILE, INJECTED_DOCKERFILE)]
        out.append(Entry(INJECTED_DOCKERFILE, "file"))
    removable = {".dockerignore", rel or INJECTED_DOCKERFILE}
    return [e for e in out if e.path not in removable or not _daemon_removes(spec, sent_lines, e.path)]


@dataclass(frozen=True)
class Explanation:
    path: str
    sent: bool
    line: IgnoreLine | None  # the deciding line, None when no pattern matched
    reason: str


def explain(report: ContextReport, path: str) -> Explanation:
    """Why `path` is or is not sent, naming the deciding line like `git check-ignore -v`."""
    path = path.strip("/") or "."
    spec = report.spec
    if report.error is not None:
        return Explanation(path, False, report.error.line, f"the build fails: {report.error.message}")
    walker = walker_for(spec, report.patterns)
    parent: tuple[int, ...] = ()
    parts = path.split("/")
    excluded, decider = False, None
    for depth in range(1, len(parts) + 1):
        prefix = "/".join(parts[:depth])
        try:
            excluded, parent, decider = walker.step(prefix, parent)
        except PatternError as exc:
            return Explanation(path, False, exc.line, f"evaluating {prefix} raises {exc.detail}")
        if excluded and depth < len(parts) and walker.may_prune(prefix):
            line = report.patterns[decider].source if decider is not None else None
            return Explanation(path, False, line, f"directory {prefix}/ is excluded and never entered")
    line = report.patterns[decider].source if decider is not None else None
    sent = path in set(report.paths)
    if spec.builder == "classic" and not excluded and not sent and report.walk and report.walk.stopped_at:
        return Explanation(path, False, line, f"the classic walk stopped at {report.walk.stopped_at} before it")
    if spec.builder == "classic" and not excluded and not sent and path in (".dockerignore", spec.dockerfile_rel):
        return Explanation(path, False, line, "sent, then deleted by the daemon (its matcher excludes it)")
    if excluded:
        return Explanation(path, False, line, "excluded")
    if not sent:
        return Explanation(path, False, line, _never_sent(report, path))
    return Explanation(path, True, line, "re-included" if line is not None else "no pattern matched")


def _never_sent(report: ContextReport, path: str) -> str:
    """Why a path no pattern excludes is still not in the context."""
    root = report.spec.context_dir
    if path.startswith("../") or path == ".." or os.path.isabs(path):
        return "outside the build context: a build never sees it"
    parts = path.split("/")
    for depth in range(1, len(parts)):
        if os.path.islink(root.joinpath(*parts[:depth])):
            link = "/".join(parts[:depth])
            return f"{link} is a symlink: the build sends the link itself, not what it points to"
    if report.walk and any(path == u or path.startswith(u.rstrip("/") + "/") for u in report.walk.unreadable):
        return "in a directory that cannot be read: the build fails there"
    try:
        mode = os.lstat(root / path).st_mode
    except FileNotFoundError:
        return "no such file in the build context"
    except OSError as exc:
        return f"cannot be examined: {exc.strerror or exc}"
    if stat.S_ISDIR(mode):
        return "a directory: its files are sent, not the directory itself"
    kind = {stat.S_IFSOCK: "a socket", stat.S_IFIFO: "a named pipe", stat.S_IFCHR: "a device", stat.S_IFBLK: "a device"}
    return f"{kind.get(stat.S_IFMT(mode), 'not a regular file')}: the build does not send it"
