"""Go's path and pattern primitives that `.dockerignore` handling is built from, ported exactly:
`filepath.Clean`, `strings.TrimSpace`, the syntax check of `filepath.Match`, and Go regexps
through RE2, the engine Go's own regexp package implements."""

from __future__ import annotations

import functools
import re

import re2

# strings.TrimSpace trims Unicode White_Space; Python's str.strip() also strips a few
# separators Go does not (\x1c-\x1f), so the set is spelled out.
_GO_SPACE = "\t\n\v\f\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"


def trim_space(text: str) -> str:
    return text.strip(_GO_SPACE)


def clean(path: str) -> str:
    """filepath.Clean on a slash-separated path."""
    if path == "":
        return "."
    rooted = path.startswith("/")
    out: list[str] = []
    for part in path.split("/"):
        if part in ("", "."):
            continue
        if part == "..":
            if out and out[-1] != "..":
                out.pop()
            elif not rooted:
                out.append("..")
            continue
        out.append(part)
    joined = "/".join(out)
    if rooted:
        return "/" + joined
    return joined or "."


class BadPattern(ValueError):
    """filepath.ErrBadPattern, or a regexp that Go refuses to compile."""


def _scan_chunk(pattern: str) -> tuple[bool, str, str]:
    star = False
    while pattern.startswith("*"):
        pattern = pattern[1:]
        star = True
    in_range = False
    i = 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\":
            if i + 1 < len(pattern):
                i += 1
        elif ch == "[":
            in_range = True
        elif ch == "]":
            in_range = False
        elif ch == "*" and not in_range:
            break
        i += 1
    return star, pattern[:i], pattern[i:]


def _get_esc(chunk: str) -> str:
    """What remains after one class character; raises BadPattern as Go's getEsc does."""
    if not chunk or chunk[0] in "-]":
        raise BadPattern("syntax error in pattern")
    if chunk[0] == "\\":
        chunk = chunk[1:]
        if not chunk:
            raise BadPattern("syntax error in pattern")
    rest = chunk[1:]
    if not rest:
        raise BadPattern("syntax error in pattern")
    return rest


def _check_chunk(chunk: str) -> None:
    while chunk:
        ch = chunk[0]
        if ch == "[":
            chunk = chunk[1:]
            if chunk.startswith("^"):
                chunk = chunk[1:]
            nrange = 0
            while True:
                if chunk.startswith("]") and nrange > 0:
                    chunk = chunk[1:]
                    break
                chunk = _get_esc(chunk)
                if chunk[0] == "-":
                    chunk = _get_esc(chunk[1:])
                nrange += 1
        elif ch == "\\":
            chunk = chunk[1:]
            if not chunk:
                raise BadPattern("syntax error in pattern")
            chunk = chunk[1:]
        else:
            chunk = chunk[1:]


def check_match_syntax(pattern: str) -> None:
    """Raise BadPattern where Go's filepath.Match(pattern, ".") returns ErrBadPattern.

    Match validates every chunk of the pattern whatever the name, so checking the chunks
    one by one gives the same verdict.
    """
    while pattern:
        star, chunk, pattern = _scan_chunk(pattern)
        if star and chunk == "" and not pattern:
            return
        _check_chunk(chunk)


def _chunk_matches(chunk: str, name: str) -> tuple[bool, str]:
    """Go's matchChunk on a well-formed chunk: (matched, the rest of name)."""
    while chunk:
        if not name:
            return False, ""
        ch = chunk[0]
        if ch == "[":
            r, name = name[0], name[1:]
            chunk = chunk[1:]
            negated = chunk.startswith("^")
            if negated:
                chunk = chunk[1:]
            matched = False
            nrange = 0
            while not (chunk.startswith("]") and nrange > 0):
                lo, chunk = (chunk[1], chunk[2:]) if chunk[0] == "\\" else (chunk[0], chunk[1:])
                hi = lo
                if chunk[0] == "-":
                    hi, chunk = (chunk[2], chunk[3:]) if chunk[1] == "\\" else (chunk[1], chunk[2:])
                matched = matched or lo <= r <= hi
                nrange += 1
            chunk = chunk[1:]
            if matched == negated:
                return False, ""
        elif ch == "?":
            if name[0] == "/":
                return False, ""
            name, chunk = name[1:], chunk[1:]
        else:
            if ch == "\\":
                chunk = chunk[1:]
            if chunk[0] != name[0]:
                return False, ""
            name, chunk = name[1:], chunk[1:]
    return True, name


def check_match_syntax_go119(pattern: str, name: str = ".") -> None:
    """Raise BadPattern where `filepath.Match(pattern, name)` does in Go 1.19, which the Docker
    20.10 CLI is built with: each chunk is checked as it is reached, and the first chunk that
    fails to match ends the call without looking at the rest (`d*/[*` is accepted, `x/[` not)."""
    while pattern:
        star, chunk, pattern = _scan_chunk(pattern)
        if star and chunk == "" and not pattern:
            return
        _check_chunk(chunk)
        ok, rest = _chunk_matches(chunk, name)
        if ok and (not rest or pattern):
            name = rest
            continue
        if star and _star_matches(chunk, name, last=not pattern) is not None:
            name = _star_matches(chunk, name, last=not pattern) or ""
            continue
        return


def _star_matches(chunk: str, name: str, *, last: bool) -> str | None:
    """After a star: the rest of name once chunk matches further on (not past a "/"), or None."""
    for i in range(len(name)):
        if name[i] == "/":
            break
        ok, rest = _chunk_matches(chunk, name[i + 1 :])
        if ok and not (last and rest):
            return rest
    return None


# Go's regexp package is RE2: the same syntax and linear-time matching. A hostile pattern such
# as `*a*a*a*a*a*a*a*a*c` would backtrack for minutes in Python's `re`.

_OPTIONS = re2.Options()
_OPTIONS.log_errors = False
_OPTIONS.never_capture = True
# Valid in C++ RE2, refused by Go (regexp/syntax has no \C): an odd run of backslashes, then C.
_GO_ONLY_ERRORS = re.compile(r"(?<!\\)(?:\\\\)*\\C")
_SURROGATE = re.compile("[\udc80-\udcff]")


def _go_text(text: str) -> str:
    """Go reads each byte of invalid UTF-8 as U+FFFD, one character: the same here for names
    decoded with surrogateescape."""
    return text if text.isascii() else _SURROGATE.sub("\ufffd", text)


def _refuse_what_only_go_refuses(source: str) -> None:
    if _SURROGATE.search(source):
        raise BadPattern("error parsing regexp: invalid UTF-8")
    if _GO_ONLY_ERRORS.search(source):
        raise BadPattern("error parsing regexp: invalid escape sequence: `\\C`")


def _parse_error(source: str) -> BadPattern:
    """RE2's own message for a source its set refused (the set only says that it did)."""
    try:
        re2.compile(source, _OPTIONS)
    except re2.error as exc:
        detail = exc.args[0] if exc.args else ""
        text = detail.decode("utf-8", "replace") if isinstance(detail, bytes) else str(detail)
        return BadPattern(f"error parsing regexp: {text}")
    return BadPattern("error parsing regexp")


class GoRegexps:
    """Several Go regexps matched in one pass: `matching(text)` gives the indices of those that
    match at the start of text (the patterns here carry their own `^` and `$`)."""

    __slots__ = ("_raw", "_set", "sources")

    def __init__(self, sources: list[str]) -> None:
        self.sources = sources
        self._set = re2.Set.MatchSet(_OPTIONS)
        for source in sources:
            _refuse_what_only_go_refuses(source)
            try:
                self._set.Add(source)
            except re2.error:
                raise _parse_error(source) from None
        self._set.Compile()
        # The binding under the wrapper, when there is one: walks call this once per path,
        # and the wrapper's own work per call costs as much as the match.
        self._raw = getattr(getattr(self._set, "_set", None), "Match", None)

    def matching(self, text: str) -> list[int]:
        text = _go_text(text)
        found: list[int] | None = self._raw(text.encode()) if self._raw is not None else self._set.Match(text)
        return found or []


class GoRegexp:
    """One Go regexp, compiled; raises BadPattern where Go's regexp.Compile returns an error."""

    __slots__ = ("_one", "source")

    def __init__(self, source: str) -> None:
        self.source = source
        self._one = GoRegexps([source])

    def match(self, text: str) -> bool:
        return bool(self._one.matching(text))


@functools.lru_cache(maxsize=4096)
def go_regexp(source: str) -> GoRegexp:
    """Compile a regexp in the syntax patternmatcher hands to Go's regexp.Compile. Compiled
    once per process: every listing of every Dockerfile compiles the same ignore file."""
    return GoRegexp(source)


def go_literal(text: str) -> GoRegexp:
    """A regexp that matches exactly `text`."""
    return GoRegexp("^" + re2.escape(_go_text(text)) + "$")
