"""The .dockerignore rules of ../shared/docker-context.md, case by case, on real directory trees.

Rows marked [engine] there were checked against a real classic build; the property test
(test_context_matches_real_engine.py) keeps checking random cases against the engine here."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.context_fuzz import NAMES, make_pattern
from validators.docker.build_context import ContextSpec, compute, explain
from validators.docker.decide import Decider
from validators.docker.ignorefile import IgnoreLine, read_ignore
from validators.docker.patterns import PatternError, matches_using_parent_results, new_matcher


def tree(root: Path, *files: str, ignore: str | bytes | None = None) -> Path:
    for name in files:
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(name)
    if ignore is not None:
        data = ignore.encode() if isinstance(ignore, str) else ignore
        (root / ".dockerignore").write_bytes(data)
    return root


def sent(root: Path, builder: str = "classic", dockerfile: Path | None = None) -> set[str]:
    report = compute(ContextSpec(root, dockerfile or root.parent / "Dockerfile", builder, "current"))
    assert report.error is None, report.error
    return set(report.paths) - {".dockerignore", ".dockerfile.0123456789abcdef0123"}


# Parsing (ignorefile.ReadAll)


def test_comments_only_at_the_first_byte_and_escaped_hash(tmp_path: Path) -> None:
    root = tree(tmp_path / "c", "# x", "#x", "keep", ignore="  # x\n\\#x\n# keep\n")
    assert sent(root) == {"keep"}


def test_bom_crlf_spaces_and_bang_with_space(tmp_path: Path) -> None:
    root = tree(tmp_path / "c", "a", "b", "d/f", "d/g", ignore=b"\xef\xbb\xbfa\r\n  d  \r\n! d/f\r\n")
    assert sent(root) == {"b", "d/f"}


def test_cleaning_leading_slash_dot_and_dotdot(tmp_path: Path) -> None:
    root = tree(tmp_path / "c", "foo", "bar", "x/y", "c", ignore="/foo\n./bar\nx/../c\n../x\nfoo/../../x/y\n")
    assert sent(root) == {"x/y"}


def test_read_ignore_keeps_lines_and_rejects_huge_lines() -> None:
    lines = read_ignore(b"# c\n\n a/ \n!b\n")
    assert [(x.line, x.pattern) for x in lines] == [(3, "a"), (4, "!b")]
    try:
        read_ignore(b"x" * 70_000)
    except ValueError as exc:
        assert ":1:" in str(exc)
    else:
        raise AssertionError("a 70 KB line must be refused")


# Matching


def test_case_sensitive_and_anchored_at_the_root(tmp_path: Path) -> None:
    root = tree(tmp_path / "c", "README.md", "readme.md", "foo", "a/foo", ignore="readme.md\nfoo\n")
    assert sent(root) == {"README.md", "a/foo"}


def test_trailing_slash_also_matches_a_file(tmp_path: Path) -> None:
    assert sent(tree(tmp_path / "c", "foo", "bar", ignore="foo/\n")) == {"bar"}


def test_double_star_suffix_quirk(tmp_path: Path) -> None:
    root = tree(tmp_path / "c", "a.py", "x/b.py", ".py", "x/c.txt", ignore="**.py\n")
    assert sent(root) == {"x/c.txt"}
    root2 = tree(tmp_path / "d", ".example", "some.example", ignore="**/.example\n")
    assert sent(root2) == {"some.example"}


def test_bracket_bang_is_a_set_and_caret_negates(tmp_path: Path) -> None:
    root = tree(tmp_path / "c", "!", "a", "b", "c", ignore="[!a]\n")
    assert sent(root) == {"b", "c"}
    root2 = tree(tmp_path / "d", "a", "b", ignore="[^a]\n")
    assert sent(root2) == {"a"}


def test_caret_is_an_anchor_once_the_pattern_has_a_wildcard(tmp_path: Path) -> None:
    root = tree(tmp_path / "c", "x", "a^x", "^y", ignore="*^x\n^y\n")
    assert sent(root) == {"a^x"}


def test_parent_results_rows_from_the_engine_table(tmp_path: Path) -> None:
    rows = [
        ("d\n!d/f\nd\n", ["d/f"], {"d/f"}),
        ("d/*\n!d\n", ["d/f"], set()),
        ("venv/cloud/**\n!venv/cloud/\n", ["venv/cloud/.git/x"], set()),
        ("**/b\n!d\n", ["d/x/b/y"], set()),
        ("**/__pycache__\n!app\n", ["app/t/__pycache__/x.py"], set()),
        ("*\n!data/keep\n*\n", ["data/keep/.env/x"], {"data/keep/.env/x"}),
        ("docs\n!docs/README.md\n", ["docs/README.md", "docs/x"], {"docs/README.md"}),
        ("*\n!src\n", ["src/a/b.py", "other"], {"src/a/b.py"}),
        ("**\n!a\na/x\n", ["a/x", "a/y"], {"a/y"}),
    ]
    for i, (ignore, files, expected) in enumerate(rows):
        assert sent(tree(tmp_path / f"r{i}", *files, ignore=ignore)) == expected, ignore


def test_wildcard_exceptions_inside_pruned_directories_differ_by_builder(tmp_path: Path) -> None:
    root = tree(tmp_path / "c", "main.py", "sub/x.py", "sub/y.txt", ignore="*\n!**/*.py\n")
    assert sent(root, "classic") == {"main.py"}
    assert sent(root, "buildkit") == {"main.py", "sub/x.py"}
    root2 = tree(tmp_path / "d", "recipes/cake.txt", "a.txt", ignore="*\n!*/*.txt\n")
    assert sent(root2, "classic") == set()
    root3 = tree(tmp_path / "e", "d/x.py", "d/y", ignore="d\n!d/*.py\n")
    assert sent(root3, "classic") == {"d/x.py"}


def test_symlinks_are_listed_not_followed(tmp_path: Path) -> None:
    root = tree(tmp_path / "c", "real/f")
    (root / "link").symlink_to("real")
    (root / "dangling").symlink_to("nowhere")
    assert sent(root) == {"real/f", "link", "dangling"}


# Errors Docker raises


def test_invalid_patterns_make_docker_refuse_the_build_with_the_line(tmp_path: Path) -> None:
    for bad in ["[", "a[", "[]a]", "!", "! /", "x\\"]:
        root = tree(tmp_path / f"c{len(bad)}{bad.count('!')}", "a", ignore=f"a\n{bad}\n")
        report = compute(ContextSpec(root, None, "classic"))
        assert report.error is not None and report.error.line is not None, bad
        assert report.error.line.line == 2


def test_reversed_range_fails_only_when_evaluated(tmp_path: Path) -> None:
    quiet = tree(tmp_path / "q", "a.txt_not", ignore="*.txt\n![z-a]\n")
    assert compute(ContextSpec(quiet, None, "classic")).error is None
    loud = tree(tmp_path / "l", "a.py", ignore="*.py\n![z-a]\n")
    report = compute(ContextSpec(loud, None, "classic"))
    assert report.error is not None and "error checking context" in report.error.message


def test_classic_walk_stops_silently_inside_a_pruned_directory(tmp_path: Path) -> None:
    root = tree(tmp_path / "c", "a", "d/a", "d/keep", "z", ignore="d/*\n![z-a]\nd\n!d/keep\n")
    report = compute(ContextSpec(root, tmp_path / "Dockerfile", "classic", "legacy"))
    assert report.error is None
    assert set(report.paths) - {".dockerfile.0123456789abcdef0123"} == {".dockerignore", "a"}
    assert report.notes and "silently missing" in report.notes[0]
    why = explain(report, "z")
    assert not why.sent and "stopped at d/a" in why.reason
    buildkit = compute(ContextSpec(root, tmp_path / "Dockerfile", "buildkit"))
    assert buildkit.error is not None and buildkit.error.line is not None and buildkit.error.line.line == 2


def test_deep_double_star_on_the_dockerfile_is_not_force_sent(tmp_path: Path) -> None:
    root = tree(tmp_path / "c", "x/y/z/Dockerfile", "app.py", ignore="**/z\n")
    report = compute(ContextSpec(root, root / "x/y/z/Dockerfile", "classic"))
    assert report.error is not None and "Cannot locate specified Dockerfile: x/y/z/Dockerfile" in report.error.message
    root2 = tree(tmp_path / "d", "x/y/z/Dockerfile", "app.py", ignore="x/y/z\n")
    fine = compute(ContextSpec(root2, root2 / "x/y/z/Dockerfile", "classic"))
    assert fine.error is None and fine.walk is not None
    assert "x/y/z/Dockerfile" in {e.path for e in fine.walk.entries}  # force-sent, then deleted by the daemon


def test_classic_always_sends_dockerignore_and_dockerfile_buildkit_filters_them(tmp_path: Path) -> None:
    root = tree(tmp_path / "c", "Dockerfile", "app.py", ignore="Dockerfile\n.dockerignore\n")
    classic = compute(ContextSpec(root, None, "classic", "legacy"))
    # Sent by the CLI, then deleted by the daemon whose matcher excludes them.
    assert classic.paths == ["app.py"]
    assert classic.walk is not None and {e.path for e in classic.walk.entries} == {
        "Dockerfile",
        ".dockerignore",
        "app.py",
    }
    assert compute(ContextSpec(root, None, "buildkit")).paths == ["app.py"]


def test_buildkit_uses_the_dockerfiles_own_ignore_file(tmp_path: Path) -> None:
    root = tree(tmp_path / "c", "a", "b", "docker/app.Dockerfile", ignore="a\n")
    (root / "docker" / "app.Dockerfile.dockerignore").write_text("b\n")
    spec = ContextSpec(root, root / "docker/app.Dockerfile", "buildkit")
    assert "a" in compute(spec).paths and "b" not in compute(spec).paths
    classic = compute(ContextSpec(root, root / "docker/app.Dockerfile", "classic"))
    assert "b" in classic.paths and "a" not in classic.paths


def test_why_names_the_deciding_line(tmp_path: Path) -> None:
    root = tree(tmp_path / "c", "app/services/monitoring/health.py", "app/main.py", ignore="# ops\n**/monitoring/\n")
    report = compute(ContextSpec(root, None, "buildkit"))
    why = explain(report, "app/services/monitoring/health.py")
    assert not why.sent and why.line is not None and (why.line.line, why.line.text) == (2, "**/monitoring/")
    assert "never entered" in why.reason
    ok = explain(report, "app/main.py")
    assert ok.sent and ok.line is None


# The fast decision engine against the reference loop


@st.composite
def cases(draw: st.DrawFn) -> tuple[list[str], list[str]]:
    rng = random.Random(draw(st.integers(0, 2**32)))
    patterns = [("!" if rng.random() < 0.3 else "") + make_pattern(rng) for _ in range(rng.randint(1, 8))]
    paths = ["/".join(rng.choice(NAMES) for _ in range(rng.randint(1, 4))) for _ in range(12)]
    return patterns, paths


@settings(max_examples=300, deadline=None)
@given(cases())
def test_fast_decider_equals_the_reference_loop(case: tuple[list[str], list[str]]) -> None:
    texts, paths = case
    try:
        patterns = new_matcher([IgnoreLine(i + 1, t, t) for i, t in enumerate(texts)])
    except PatternError:
        return
    decider = Decider(patterns)
    for path in paths:
        parts = path.split("/")
        info: list[bool] | None = None
        rec: tuple[int, ...] = ()
        for depth in range(1, len(parts) + 1):
            prefix = "/".join(parts[:depth])
            try:
                expected, info = matches_using_parent_results(patterns, prefix, info)
            except PatternError:
                try:
                    decider.decide(prefix, rec)
                except PatternError:
                    break
                raise AssertionError(f"reference raised, fast did not: {texts} {prefix}") from None
            got, rec, _ = decider.decide(prefix, rec)
            assert got == expected, (texts, prefix)
            assert set(rec) == {i for i, m in enumerate(info) if m}, (texts, prefix)


def test_fast_walk_equals_the_reference_walk_on_a_generated_tree(tmp_path: Path) -> None:
    """The benchmark's kind of tree and 200-line ignore file, walked by checkdeck and by the
    pattern-by-pattern reference with the BuildKit pruning rule."""
    import os
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
    import context_scan

    rng = random.Random(11)
    root = tmp_path / "ctx"
    context_scan.make_tree(root, 3000, rng)
    text = context_scan.make_ignore(rng)
    (root / ".dockerignore").write_text(text)
    patterns = new_matcher(read_ignore(text.encode()))
    literal = not any(
        set("*[]?^\\") & set(p.text.removesuffix("/**").removesuffix("/*")) for p in patterns if p.exclusion
    )
    exceptions = [p.text.removesuffix("/**").removesuffix("/*") + "/" for p in patterns if p.exclusion]
    expected: set[str] = set()

    def walk(folder: str, prefix: str, info: list[bool] | None) -> None:
        for entry in os.scandir(folder):
            rel = prefix + entry.name
            excluded, child = matches_using_parent_results(patterns, rel, info)
            is_dir = entry.is_dir(follow_symlinks=False)
            if excluded and is_dir and literal and not any(x.startswith(rel + "/") for x in exceptions):
                continue
            if is_dir:
                walk(entry.path, rel + "/", child)
            elif not excluded:
                expected.add(rel)

    walk(str(root), "", None)
    got = set(compute(ContextSpec(root, root / "Dockerfile", "buildkit")).paths)
    assert got == expected
    assert 0 < len(got) < 3001


# BuildKit v0.8 (Docker 20.10): cases measured on the real engine (../shared/docker-context.md §10).
BUILDKIT_08 = [
    ("*\n!**/*.py\n", ["sub/x.py", "sub/y.txt", "top.py"], {"top.py"}),
    ("**.py\n", [".py", "a.py", "s/b.py"], {".dockerignore", "a.py", "s/b.py"}),
    (
        "q(1).txt\na+b.txt\nx^y\n",
        ["a+b.txt", "ab.txt", "q(1).txt", "q1.txt", "x^y"],
        {".dockerignore", "a+b.txt", "q(1).txt", "x^y"},
    ),
    (
        "**/c\n!a/b/c/include.txt\n",
        ["a/b/c/exclude.txt", "a/b/c/include.txt"],
        {".dockerignore", "a/b/c/exclude.txt", "a/b/c/include.txt"},
    ),
    ("d/*\n!d\n", ["d/f"], {".dockerignore", "d/f"}),
    ("**/.env\n!src\n", ["src/cloud_x/.env"], {".dockerignore", "src/cloud_x/.env"}),
    ("**/node_modules\n!app\n", ["app/node_modules/x"], {".dockerignore", "app/node_modules/x"}),
    # Go 1.19 accepts the pattern; as a regexp `[[^/]*` is a class of "[", "^" and "/".
    ("d*/[*\n", ["data/[x]/f", "data/[", "keep"], {".dockerignore", "data/[x]/f", "keep"}),
]


@pytest.mark.parametrize(("ignore", "files", "expected"), BUILDKIT_08)
def test_buildkit_of_docker_20_10(tmp_path: Path, ignore: str, files: list[str], expected: set[str]) -> None:
    root = tree(tmp_path / "c", *files, ignore=ignore)
    report = compute(ContextSpec(root, tmp_path / "Dockerfile", "buildkit", buildkit="v0.8"))
    assert report.error is None, report.error
    assert set(report.paths) == expected


@pytest.mark.parametrize(
    ("ignore", "message"),
    [
        ("*.txt\n![z-a]\n", "failed to match excludepatterns"),  # fails at the first path
        ("*+b.txt\n*\n", "failed to match excludepatterns"),
        ("x/[\n", "syntax error in pattern"),  # refused before the walk
    ],
)
def test_buildkit_of_docker_20_10_refuses(tmp_path: Path, ignore: str, message: str) -> None:
    root = tree(tmp_path / "c", "a.py", ignore=ignore)
    report = compute(ContextSpec(root, tmp_path / "Dockerfile", "buildkit", buildkit="v0.8"))
    assert report.error is not None and message in report.error.message
