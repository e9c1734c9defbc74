"""moby/patternmatcher, ported: how one pattern matches one path, and the three ways Docker
combines a pattern list (`MatchesUsingParentResults`, `MatchesOrParentMatches`, the deprecated
`Matches`), plus the 20.10 daemon's own matcher."""

from __future__ import annotations

import enum
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from validators.docker.gosyntax import BadPattern, GoRegexp, check_match_syntax, clean, go_regexp, trim_space
from validators.docker.ignorefile import IgnoreLine

_SHOULD_ESCAPE = set(".+()|{}$")


class MatchType(enum.Enum):
    UNKNOWN = 0
    EXACT = 1
    PREFIX = 2
    SUFFIX = 3
    REGEXP = 4


class PatternError(ValueError):
    """A pattern Docker refuses: at load time (`New`) or when first evaluated (regexp compile)."""

    def __init__(self, message: str, line: IgnoreLine | None) -> None:
        where = f"line {line.line}: {line.text.strip()!r}: " if line else ""
        super().__init__(f"{where}{message}")
        self.line = line
        self.detail = message


def compile_source(pattern: str) -> tuple[MatchType, str]:
    """patternmatcher's Pattern.compile: the match type and, for REGEXP, the Go regexp."""
    reg = "^"
    detected = MatchType.EXACT
    i = 0
    pos = 0
    n = len(pattern)
    while pos < n:
        ch = pattern[pos]
        pos += 1
        if ch == "*":
            if pos < n and pattern[pos] == "*":
                pos += 1
                if pos < n and pattern[pos] == "/":
                    pos += 1
                if pos >= n:
                    if detected is MatchType.EXACT:
                        detected = MatchType.PREFIX
                    else:
                        reg += ".*"
                        detected = MatchType.REGEXP
                else:
                    reg += "(.*/)?"
                    detected = MatchType.REGEXP
                if i == 0:
                    detected = MatchType.SUFFIX
            else:
                reg += "[^/]*"
                detected = MatchType.REGEXP
        elif ch == "?":
            reg += "[^/]"
            detected = MatchType.REGEXP
        elif ch in _SHOULD_ESCAPE:
            reg += "\\" + ch
        elif ch == "\\":
            if pos < n:
                reg += "\\" + pattern[pos]
                pos += 1
                detected = MatchType.REGEXP
            else:
                reg += "\\"
        elif ch in "[]":
            reg += ch
            detected = MatchType.REGEXP
        else:
            reg += ch
        i += 1
    return detected, reg + "$"


@dataclass
class Pattern:
    text: str  # cleaned, without "!"
    exclusion: bool
    source: IgnoreLine | None = None
    dirs: int = 0
    match_type: MatchType = MatchType.UNKNOWN
    regexp: GoRegexp | None = None
    error: PatternError | None = None
    _compiled: bool = field(default=False, repr=False)

    def compile(self) -> None:
        if self._compiled:
            return
        self._compiled = True
        detected, source = compile_source(self.text)
        if detected is MatchType.REGEXP:
            try:
                self.regexp = go_regexp(source)
            except BadPattern as exc:
                self.error = PatternError(str(exc), self.source)
                return
        self.match_type = detected

    def match(self, path: str) -> bool:
        """Pattern.match; raises PatternError where Docker gets ErrBadPattern."""
        self.compile()
        kind = self.match_type
        if kind is MatchType.EXACT:
            return path == self.text
        if kind is MatchType.PREFIX:
            return path.startswith(self.text[:-2])
        if kind is MatchType.SUFFIX:
            suffix = self.text[2:]
            return path.endswith(suffix) or (suffix[:1] == "/" and path == suffix[1:])
        if kind is MatchType.REGEXP:
            assert self.regexp is not None
            return self.regexp.match(path)
        assert self.error is not None
        raise self.error

    @property
    def display(self) -> str:
        return ("!" if self.exclusion else "") + self.text


def new_matcher(lines: Sequence[IgnoreLine], check_syntax: Callable[[str], None] = check_match_syntax) -> list[Pattern]:
    """patternmatcher.New. Raises PatternError for what Docker rejects before any walk;
    `check_syntax` is the Go `filepath.Match` of the Docker generation modelled."""
    patterns: list[Pattern] = []
    for line in lines:
        text = trim_space(line.pattern)
        if not text:
            continue
        text = clean(text)
        exclusion = text.startswith("!")
        if exclusion:
            if len(text) == 1:
                raise PatternError('illegal exclusion pattern: "!"', line)
            text = text[1:]
        try:
            check_syntax(text)
        except BadPattern as exc:
            raise PatternError(f"syntax error in pattern ({exc})", line) from exc
        patterns.append(Pattern(text, exclusion, line, dirs=len(text.split("/"))))
    return patterns


def _parent_dirs(path: str) -> list[str]:
    parent = path.rsplit("/", 1)[0] if "/" in path else "."
    return [] if parent == "." else parent.split("/")


def matches_or_parent_matches(patterns: Sequence[Pattern], path: str) -> tuple[bool, Pattern | None]:
    """MatchesOrParentMatches, with the pattern that decided. Errors propagate as Docker's do."""
    matched = False
    decider: Pattern | None = None
    parents = _parent_dirs(path)
    for pattern in patterns:
        if pattern.exclusion != matched:
            continue
        match = pattern.match(path)
        if not match and parents:
            for i in range(len(parents)):
                try:
                    match = pattern.match("/".join(parents[: i + 1]))
                except PatternError:
                    match = False
                if match:
                    break
        if match:
            matched = not pattern.exclusion
            decider = pattern
    return matched, decider


def matches_deprecated(patterns: Sequence[Pattern], path: str) -> bool:
    """The deprecated Matches (one parent, at the pattern's own depth): what the classic CLI's
    TrimBuildFilesFromExcludes uses to decide whether to force-send .dockerignore and the
    Dockerfile."""
    matched = False
    parents = _parent_dirs(path)
    for pattern in patterns:
        if pattern.exclusion != matched:
            continue
        match = pattern.match(path)
        if not match and parents and pattern.dirs <= len(parents):
            try:
                match = pattern.match("/".join(parents[: pattern.dirs]))
            except PatternError:
                match = False
        if match:
            matched = not pattern.exclusion
    return matched


# The 20.10 daemon (classic builder) re-reads .dockerignore from the context it received and
# deletes .dockerignore and the Dockerfile when its own, older matcher says so.


def legacy_source(pattern: str) -> str:
    """moby 20.10 fileutils' regexp for a pattern: only `.` and `$` escaped."""
    reg = "^"
    pos, n = 0, len(pattern)
    while pos < n:
        ch = pattern[pos]
        pos += 1
        if ch == "*":
            if pos < n and pattern[pos] == "*":
                pos += 1
                if pos < n and pattern[pos] == "/":
                    pos += 1
                reg += ".*" if pos >= n else "(.*/)?"
            else:
                reg += "[^/]*"
        elif ch == "?":
            reg += "[^/]"
        elif ch in ".$":
            reg += "\\" + ch
        elif ch == "\\":
            if pos < n:
                reg += "\\" + pattern[pos]
                pos += 1
            else:
                reg += "\\"
        else:
            reg += ch
    return reg + "$"


def legacy_daemon_matches(path: str, lines: Sequence[IgnoreLine]) -> bool:
    """fileutils.Matches as in dockerd 20.10: every pattern evaluated, no skipping, one parent
    at the pattern's depth; any error (load or compile) means "not matched"."""
    try:
        patterns = new_matcher(lines)
        compiled = [(p, go_regexp(legacy_source(p.text))) for p in patterns]
    except (PatternError, BadPattern):
        return False
    path = clean(path)
    if path == ".":
        return False
    parents = _parent_dirs(path)
    matched = False
    for pattern, regexp in compiled:
        match = regexp.match(path)
        if not match and parents and pattern.dirs <= len(parents):
            match = regexp.match("/".join(parents[: pattern.dirs]))
        if match:
            matched = not pattern.exclusion
    return matched


def matches_exact(patterns: Sequence[Pattern], path: str) -> bool:
    """MatchesExact: no parent matching at all."""
    matched = False
    for pattern in patterns:
        if pattern.exclusion != matched:
            continue
        if pattern.match(path):
            matched = not pattern.exclusion
    return matched


def matches_using_parent_results(
    patterns: Sequence[Pattern], path: str, parent: Sequence[bool] | None
) -> tuple[bool, list[bool]]:
    """MatchesUsingParentResults, pattern by pattern as Docker runs it: the reference that the
    fast Decider is tested against. `parent` None is Go's zero MatchInfo."""
    matched = False
    info: list[bool] = []
    for i, pattern in enumerate(patterns):
        match = bool(parent) and bool(parent[i]) if parent else False
        if not match:
            if pattern.exclusion != matched:
                info.append(False)
                continue
            match = pattern.match(path)
            if not match and not parent:
                parents = _parent_dirs(path)
                for depth in range(len(parents)):
                    try:
                        match = pattern.match("/".join(parents[: depth + 1]))
                    except PatternError:
                        match = False
                    if match:
                        break
        info.append(match)
        if match:
            matched = not pattern.exclusion
    return matched, info
