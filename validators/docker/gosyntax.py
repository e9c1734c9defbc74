"""Go's path and pattern primitives that `.dockerignore` handling is built from, ported exactly:
`filepath.Clean`, `strings.TrimSpace`, the syntax check of `filepath.Match`, and a translation
of the Go regexp dialect that moby's patternmatcher produces into Python's `re`."""

from __future__ import annotations

import re

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


# Go regexp → Python re. Only what patternmatcher can emit needs translating: literals,
# escapes, character classes, "^", and its own fragments "[^/]*", "[^/]", "(.*/)?", ".*".

_POSIX_CLASSES = {
    "alnum": "0-9A-Za-z",
    "alpha": "A-Za-z",
    "ascii": "\\x00-\\x7f",
    "blank": "\\t ",
    "cntrl": "\\x00-\\x1f\\x7f",
    "digit": "0-9",
    "graph": "!-~",
    "lower": "a-z",
    "print": " -~",
    "punct": "!-/:-@\\[-`{-~",
    "space": "\\t\\n\\v\\f\\r ",
    "upper": "A-Z",
    "word": "0-9A-Za-z_",
    "xdigit": "0-9A-Fa-f",
}
_PERL = {"d": "0-9", "s": "\\t\\n\\f\\r ", "w": "0-9A-Za-z_"}
_C_ESCAPES = {"a": "\a", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v"}


class Unsupported(ValueError):
    """A valid Go regexp construct this translation does not model (Unicode classes, \\Q..\\E)."""


def _class_char(ch: str) -> str:
    return "\\" + ch if ch in "\\]^-[" else ch


def _escape_value(text: str, i: int) -> tuple[str | None, str | None, int]:
    """Parse the escape at text[i] == "\\". Returns (literal char, class body, next index):
    exactly one of the first two is set. Mirrors Go's regexp/syntax escapes."""
    if i + 1 >= len(text):
        raise BadPattern("trailing backslash at end of expression")
    c = text[i + 1]
    if ord(c) < 0x80 and not c.isalnum():
        return c, None, i + 2
    if c in _PERL:
        return None, _PERL[c], i + 2
    if c in "DSW":
        return None, "^" + _PERL[c.lower()], i + 2
    if c in _C_ESCAPES:
        return _C_ESCAPES[c], None, i + 2
    if c in "01234567":
        if c != "0" and (i + 2 >= len(text) or text[i + 2] not in "01234567"):
            raise BadPattern(f"invalid escape sequence: \\{c}")
        j = i + 1
        while j < len(text) and j < i + 4 and text[j] in "01234567":
            j += 1
        return chr(int(text[i + 1 : j], 8)), None, j
    if c == "x":
        if i + 2 < len(text) and text[i + 2] == "{":
            end = text.find("}", i + 3)
            digits = text[i + 3 : end] if end > 0 else ""
            if end < 0 or not digits or not all(ch in "0123456789abcdefABCDEF" for ch in digits):
                raise BadPattern("invalid escape sequence: \\x{")
            value = int(digits, 16)
            if value > 0x10FFFF:
                raise BadPattern("invalid escape sequence: \\x{")
            return chr(value), None, end + 1
        digits = text[i + 2 : i + 4]
        if len(digits) < 2 or not all(ch in "0123456789abcdefABCDEF" for ch in digits):
            raise BadPattern("invalid escape sequence: \\x")
        return chr(int(digits, 16)), None, i + 4
    if c in "pPQC":
        raise Unsupported(f"\\{c} in a pattern is valid for Docker but not modelled by checkdeck")
    raise BadPattern(f"invalid escape sequence: \\{c}")


def _translate_class(text: str, i: int) -> tuple[str, int]:
    """text[i] == "[": a Go character class, returned as a Python one."""
    j = i + 1
    negate = False
    if j < len(text) and text[j] == "^":
        negate = True
        j += 1
    items: list[str] = []
    first = True
    while True:
        if j >= len(text):
            raise BadPattern("missing closing ]")
        ch = text[j]
        if ch == "]" and not first:
            j += 1
            break
        first = False
        if text.startswith("[:", j):
            end = text.find(":]", j + 2)
            name = text[j + 2 : end] if end > 0 else ""
            negated_posix = name.startswith("^")
            if end > 0 and name.lstrip("^") in _POSIX_CLASSES:
                body = _POSIX_CLASSES[name.lstrip("^")]
                items.append(f"[^{body}]" if negated_posix else body)
                j = end + 2
                continue
        lo: str | None
        if ch == "\\":
            lo, perl, j = _escape_value(text, j)
            if perl is not None:
                items.append(f"[{perl}]" if perl.startswith("^") else perl)
                continue
        else:
            lo, j = ch, j + 1
        assert lo is not None
        if j + 1 < len(text) and text[j] == "-" and text[j + 1] != "]":
            hi_ch = text[j + 1]
            hi: str | None
            if hi_ch == "\\":
                hi, perl, j = _escape_value(text, j + 1)
                if perl is not None or hi is None:
                    raise BadPattern("invalid character class range")
            else:
                hi, j = hi_ch, j + 2
            if ord(hi) < ord(lo):
                raise BadPattern(f"invalid character class range: {lo}-{hi}")
            items.append(f"{_class_char(lo)}-{_class_char(hi)}")
        else:
            items.append(_class_char(lo))
    # Negated sub-classes ([^0-9] inside a set) have no direct Python spelling: use
    # alternation of the positive set and each negated set.
    positive = "".join(x for x in items if not x.startswith("[^"))
    negatives = [x for x in items if x.startswith("[^")]
    if not negatives:
        return (f"[^{positive}]" if negate else f"[{positive}]") if positive else ("(?s:.)" if negate else "(?!)"), j
    parts = ([f"[{positive}]"] if positive else []) + negatives
    union = "(?:" + "|".join(parts) + ")"
    return (f"(?:(?!{union})(?s:.))" if negate else union), j


_REPEAT = re.compile(r"\{(\d+)(,(\d*))?\}")


def go_regexp(source: str) -> re.Pattern[str]:
    """Compile a regexp in the syntax patternmatcher hands to Go's regexp.Compile."""
    out: list[str] = []
    i = 0
    after_repeat = False  # Go (Perl mode) refuses a repetition of a repetition: a**, a*+
    lazy_taken = False
    while i < len(source):
        ch = source[i]
        repeat = _REPEAT.match(source, i) if ch == "{" else None
        if ch in "*+?" or repeat:
            if after_repeat:
                if ch == "?" and not lazy_taken:
                    lazy_taken = True
                    out.append("?")
                    i += 1
                    continue
                raise BadPattern("invalid nested repetition operator")
            if repeat:
                low, high = int(repeat.group(1)), repeat.group(3)
                if low > 1000 or (high and (int(high) > 1000 or int(high) < low)):
                    raise BadPattern("invalid repeat count")
                out.append(repeat.group(0))
                i = repeat.end()
            else:
                out.append(ch)
                i += 1
            after_repeat, lazy_taken = True, False
            continue
        after_repeat = False
        if ch == "\\":
            literal, body, i = _escape_value(source, i)
            if body is not None:
                out.append(f"[{body}]")
            else:
                assert literal is not None
                out.append(re.escape(literal))
            continue
        if ch == "[":
            translated, i = _translate_class(source, i)
            out.append(translated)
            continue
        if ch == "$":
            out.append(r"\Z")  # Go's $ without (?m) is end of text; Python's also matches before \n
        elif ch == ".":
            out.append("[^\\n]")
        elif ch in "^()|":
            out.append(ch)
        else:
            out.append(re.escape(ch))
        i += 1
    try:
        return re.compile("".join(out), re.ASCII)
    except re.error as exc:
        raise BadPattern(f"error parsing regexp: {exc}") from exc
