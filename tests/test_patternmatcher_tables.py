"""moby/patternmatcher's own test tables (patternmatcher_test.go), run against checkdeck's port."""

from __future__ import annotations

import pytest

from validators.docker.gosyntax import BadPattern, check_match_syntax, clean
from validators.docker.ignorefile import IgnoreLine
from validators.docker.patterns import (
    MatchType,
    Pattern,
    PatternError,
    matches_deprecated,
    matches_exact,
    matches_or_parent_matches,
    matches_using_parent_results,
    new_matcher,
)

FAIL, EXACT, INEXACT = 0, 1, 2


def new(patterns: list[str]) -> list[Pattern]:
    return new_matcher([IgnoreLine(i + 1, p, p) for i, p in enumerate(patterns)])


def package_matches(path: str, patterns: list[str]) -> bool:
    """patternmatcher.Matches (package function): New, Clean, "." never matches."""
    pm = new(patterns)
    path = clean(path)
    return False if path == "." else matches_deprecated(pm, path)


def using_parent_results(pm: list[Pattern], text: str, *, context: bool = True) -> bool:
    parent_dirs = text.split("/")[:-1] if "/" in text else []
    info: list[bool] | None = None
    if context:
        for i in range(len(parent_dirs)):
            _, info = matches_using_parent_results(pm, "/".join(parent_dirs[: i + 1]), info)
    return matches_using_parent_results(pm, text, info if context else None)[0]


def using_parent_result(pm: list[Pattern], text: str) -> bool:
    """The deprecated MatchesUsingParentResult (one bool for the parent)."""

    def one(path: str, parent_matched: bool) -> bool:
        matched = parent_matched
        for pattern in pm:
            if pattern.exclusion != matched:
                continue
            if pattern.match(path):
                matched = not pattern.exclusion
        return matched

    parent_dirs = text.split("/")[:-1] if "/" in text else []
    parent_matched = False
    for i in range(len(parent_dirs)):
        parent_matched = one("/".join(parent_dirs[: i + 1]), parent_matched)
    return one(text, parent_matched)


def test_simple_cases() -> None:
    assert package_matches("fileutils.go", ["*"])
    assert package_matches("fileutils.go", ["*.go"])
    assert package_matches("fileutils.go", ["!fileutils.go", "*.go"])
    assert not package_matches("docs/README.md", ["docs", "!docs/README.md"])
    assert not package_matches("docs/README.md", ["docs/", "!docs/README.md"])
    assert not package_matches("docs/README.md", ["docs/*", "!docs/README.md"])
    assert not package_matches("fileutils.go", ["*.go", "!fileutils.go"])
    assert not package_matches(".", ["*.go"])
    assert not package_matches("/any/path/there", [])
    with pytest.raises(PatternError):
        package_matches("fileutils.go", ["!"])
    with pytest.raises(PatternError):
        package_matches("/any/path/there", ["["])


MATCHES = [
    ("**", "file", EXACT),
    ("**", "file/", EXACT),
    ("**/", "file", EXACT),
    ("**/", "file/", EXACT),
    ("**", "/", EXACT),
    ("**/", "/", EXACT),
    ("**", "dir/file", EXACT),
    ("**/", "dir/file", EXACT),
    ("**", "dir/file/", EXACT),
    ("**/", "dir/file/", EXACT),
    ("**/**", "dir/file", EXACT),
    ("**/**", "dir/file/", EXACT),
    ("dir/**", "dir/file", EXACT),
    ("dir/**", "dir/file/", EXACT),
    ("dir/**", "dir/dir2/file", EXACT),
    ("dir/**", "dir/dir2/file/", EXACT),
    ("**/dir", "dir", EXACT),
    ("**/dir", "dir/file", INEXACT),
    ("**/dir2/*", "dir/dir2/file", EXACT),
    ("**/dir2/*", "dir/dir2/file/", INEXACT),
    ("**/dir2/**", "dir/dir2/dir3/file", EXACT),
    ("**/dir2/**", "dir/dir2/dir3/file/", EXACT),
    ("**file", "file", EXACT),
    ("**file", "dir/file", EXACT),
    ("**/file", "dir/file", EXACT),
    ("**file", "dir/dir/file", EXACT),
    ("**/file", "dir/dir/file", EXACT),
    ("**/file*", "dir/dir/file", EXACT),
    ("**/file*", "dir/dir/file.txt", EXACT),
    ("**/file*txt", "dir/dir/file.txt", EXACT),
    ("**/file*.txt", "dir/dir/file.txt", EXACT),
    ("**/file*.txt*", "dir/dir/file.txt", EXACT),
    ("**/**/*.txt", "dir/dir/file.txt", EXACT),
    ("**/**/*.txt2", "dir/dir/file.txt", FAIL),
    ("**/*.txt", "file.txt", EXACT),
    ("**/**/*.txt", "file.txt", EXACT),
    ("a**/*.txt", "a/file.txt", EXACT),
    ("a**/*.txt", "a/dir/file.txt", EXACT),
    ("a**/*.txt", "a/dir/dir/file.txt", EXACT),
    ("a/*.txt", "a/dir/file.txt", FAIL),
    ("a/*.txt", "a/file.txt", EXACT),
    ("a/*.txt**", "a/file.txt", EXACT),
    ("a[b-d]e", "ae", FAIL),
    ("a[b-d]e", "ace", EXACT),
    ("a[b-d]e", "aae", FAIL),
    ("a[^b-d]e", "aze", EXACT),
    (".*", ".foo", EXACT),
    (".*", "foo", FAIL),
    ("abc.def", "abcdef", FAIL),
    ("abc.def", "abc.def", EXACT),
    ("abc.def", "abcZdef", FAIL),
    ("abc?def", "abcZdef", EXACT),
    ("abc?def", "abcdef", FAIL),
    ("**/foo/bar", "foo/bar", EXACT),
    ("**/foo/bar", "dir/foo/bar", EXACT),
    ("**/foo/bar", "dir/dir2/foo/bar", EXACT),
    ("abc/**", "abc", FAIL),
    ("abc/**", "abc/def", EXACT),
    ("abc/**", "abc/def/ghi", EXACT),
    ("**/.foo", ".foo", EXACT),
    ("**/.foo", "bar.foo", FAIL),
    ("a(b)c/def", "a(b)c/def", EXACT),
    ("a(b)c/def", "a(b)c/xyz", FAIL),
    ("a.|)$(}+{bc", "a.|)$(}+{bc", EXACT),
    (
        "dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl",
        "dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl",
        EXACT,
    ),
    ("dist/*.whl", "dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl", EXACT),
    ("a\\\\", "a\\", EXACT),
    ("a\\*b", "a*b", EXACT),
]
MULTI = [
    (["**", "!util/docker/web"], "util/docker/web/foo", FAIL),
    (["**", "!util/docker/web", "util/docker/web/foo"], "util/docker/web/foo", EXACT),
    (
        ["**", "!dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl"],
        "dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl",
        FAIL,
    ),
    (["**", "!dist/*.whl"], "dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl", FAIL),
]


@pytest.mark.parametrize(("pattern", "text", "expected"), MATCHES)
def test_matches_table(pattern: str, text: str, expected: int) -> None:
    pm = new([pattern])
    assert matches_exact(pm, text) == (expected == EXACT)
    assert matches_or_parent_matches(pm, text)[0] == (expected != FAIL)
    assert using_parent_result(pm, text) == (expected != FAIL)
    assert using_parent_results(pm, text) == (expected != FAIL)
    assert using_parent_results(pm, text, context=False) == (expected != FAIL)


@pytest.mark.parametrize(("patterns", "text", "expected"), MULTI)
def test_multi_pattern_table(patterns: list[str], text: str, expected: int) -> None:
    pm = new(patterns)
    assert matches_or_parent_matches(pm, text)[0] == (expected != FAIL)
    assert using_parent_results(pm, text) == (expected != FAIL)
    assert using_parent_results(pm, text, context=False) == (expected != FAIL)


def test_clean_patterns() -> None:
    assert len(new(["docs", "config"])) == 2
    assert len(new(["docs", "config", ""])) == 2
    assert any(p.exclusion for p in new(["docs", "!docs/README.md"]))
    assert any(p.exclusion for p in new(["docs", "  !docs/README.md"]))
    assert any(p.exclusion for p in new(["docs", "!docs/README.md  "]))
    with pytest.raises(PatternError, match="illegal exclusion"):
        new(["!"])


# Go's own filepath.Match table, through patternmatcher.Matches.
MATCH_TESTS = [
    ("abc", "abc", True, False),
    ("*", "abc", True, False),
    ("*c", "abc", True, False),
    ("a*", "a", True, False),
    ("a*", "abc", True, False),
    ("a*", "ab/c", True, False),
    ("a*/b", "abc/b", True, False),
    ("a*/b", "a/c/b", False, False),
    ("a*b*c*d*e*/f", "axbxcxdxe/f", True, False),
    ("a*b*c*d*e*/f", "axbxcxdxexxx/f", True, False),
    ("a*b*c*d*e*/f", "axbxcxdxe/xxx/f", False, False),
    ("a*b*c*d*e*/f", "axbxcxdxexxx/fff", False, False),
    ("a*b?c*x", "abxbbxdbxebxczzx", True, False),
    ("a*b?c*x", "abxbbxdbxebxczzy", False, False),
    ("ab[c]", "abc", True, False),
    ("ab[b-d]", "abc", True, False),
    ("ab[e-g]", "abc", False, False),
    ("ab[^c]", "abc", False, False),
    ("ab[^b-d]", "abc", False, False),
    ("ab[^e-g]", "abc", True, False),
    ("a\\*b", "a*b", True, False),
    ("a\\*b", "ab", False, False),
    ("a?b", "a☺b", True, False),
    ("a[^a]b", "a☺b", True, False),
    ("a???b", "a☺b", False, False),
    ("a[^a][^a][^a]b", "a☺b", False, False),
    ("[a-ζ]*", "α", True, False),
    ("*[a-ζ]", "A", False, False),
    ("a?b", "a/b", False, False),
    ("a*b", "a/b", False, False),
    ("[\\]a]", "]", True, False),
    ("[\\-]", "-", True, False),
    ("[x\\-]", "x", True, False),
    ("[x\\-]", "-", True, False),
    ("[x\\-]", "z", False, False),
    ("[\\-x]", "x", True, False),
    ("[\\-x]", "-", True, False),
    ("[\\-x]", "a", False, False),
    ("[]a]", "]", False, True),
    ("[-]", "-", False, True),
    ("[x-]", "x", False, True),
    ("[x-]", "-", False, True),
    ("[x-]", "z", False, True),
    ("[-x]", "x", False, True),
    ("[-x]", "-", False, True),
    ("[-x]", "a", False, True),
    ("\\", "a", False, True),
    ("[a-b-c]", "a", False, True),
    ("[", "a", False, True),
    ("[^", "a", False, True),
    ("[^bc", "a", False, True),
    ("a[", "a", False, True),
    ("a[", "ab", False, True),
    ("*x", "xxx", True, False),
]


@pytest.mark.parametrize(("pattern", "text", "expected", "bad"), MATCH_TESTS)
def test_go_filepath_match_table(pattern: str, text: str, expected: bool, bad: bool) -> None:
    if bad:
        with pytest.raises(PatternError):
            package_matches(text, [pattern])
        with pytest.raises(BadPattern):
            check_match_syntax(pattern)
    else:
        assert package_matches(text, [pattern]) == expected


COMPILE = [
    ("*", MatchType.REGEXP, "^[^/]*$"),
    ("file*", MatchType.REGEXP, "^file[^/]*$"),
    ("*file", MatchType.REGEXP, "^[^/]*file$"),
    ("a*/b", MatchType.REGEXP, "^a[^/]*/b$"),
    ("**", MatchType.SUFFIX, ""),
    ("**/**", MatchType.REGEXP, "^(.*/)?.*$"),
    ("dir/**", MatchType.PREFIX, ""),
    ("**/dir", MatchType.SUFFIX, ""),
    ("**/dir2/*", MatchType.REGEXP, "^(.*/)?dir2/[^/]*$"),
    ("**/dir2/**", MatchType.REGEXP, "^(.*/)?dir2/.*$"),
    ("**file", MatchType.SUFFIX, ""),
    ("**/file*txt", MatchType.REGEXP, "^(.*/)?file[^/]*txt$"),
    ("**/**/*.txt", MatchType.REGEXP, "^(.*/)?(.*/)?[^/]*\\.txt$"),
    ("a[b-d]e", MatchType.REGEXP, "^a[b-d]e$"),
    (".*", MatchType.REGEXP, "^\\.[^/]*$"),
    ("abc.def", MatchType.EXACT, ""),
    ("abc?def", MatchType.REGEXP, "^abc[^/]def$"),
    ("**/foo/bar", MatchType.SUFFIX, ""),
    ("a(b)c/def", MatchType.EXACT, ""),
    ("a.|)$(}+{bc", MatchType.EXACT, ""),
    ("dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl", MatchType.EXACT, ""),
]


@pytest.mark.parametrize(("pattern", "kind", "regexp"), COMPILE)
def test_compile_table(pattern: str, kind: MatchType, regexp: str) -> None:
    from validators.docker.patterns import compile_source

    detected, source = compile_source(clean(pattern))
    assert detected is kind
    if kind is MatchType.REGEXP:
        assert source == regexp


def test_malformed_pattern_fails_on_every_use_without_crashing() -> None:
    # moby/moby#52203: "[Local-Only]" passes New and fails when compiled, every time.
    pm = new(["[Local-Only]/"])
    for _ in range(2):
        with pytest.raises(PatternError, match="invalid character class range"):
            matches_or_parent_matches(pm, "x")


# Go's regexp is RE2; the few places where C++ RE2 and Go differ are Go's way here.

GO_REGEXP_ERRORS = [
    ("a\\C", "invalid escape sequence"),  # C++ RE2 accepts \C (any byte); Go does not
    ("[z-a]x", "invalid character class range"),
    ("[[:nope:]]", "invalid character class range"),
    ("x\\8", "invalid escape sequence"),
    ("bad\udcffname*", "invalid UTF-8"),  # a .dockerignore line that is not UTF-8
]


@pytest.mark.parametrize(("pattern", "message"), GO_REGEXP_ERRORS)
def test_patterns_go_refuses_to_compile_are_errors(pattern: str, message: str) -> None:
    with pytest.raises(PatternError, match=message):
        package_matches("x", [pattern])


def test_a_name_that_is_not_utf8_is_one_character_per_byte_as_in_go() -> None:
    # Go decodes each invalid byte as U+FFFD: one "?" per byte.
    assert package_matches("a\udcff\udcfeb", ["a??b"])
    assert not package_matches("a\udcff\udcfeb", ["a?b"])
    assert package_matches("\udcff.txt", ["*.txt"])
