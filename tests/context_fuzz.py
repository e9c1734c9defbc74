"""Random build contexts and .dockerignore files for comparing checkdeck with a real engine."""

from __future__ import annotations

import os
import random
from dataclasses import dataclass
from pathlib import Path

NAMES = [
    "a",
    "b",
    "ab",
    "d",
    "sub",
    "keep",
    "a.py",
    "b.py",
    "x.txt",
    "cake.txt",
    "README.md",
    "readme.md",
    ".env",
    ".env.local",
    "monitoring",
    "infrastructure",
    "cloud_env.py",
    "cloudy",
    "__pycache__",
    "m.pyc",
    "Dockerfile",
    "node_modules",
    "data",
    "#h",
    "a b",
    "x^y",
    "[x]",
    "é.txt",
    "z",
]
SEGMENTS = [
    "a",
    "b",
    "d",
    "sub",
    "keep",
    "*",
    "*.py",
    "*.txt",
    "?",
    "??",
    "a*",
    "*b",
    "[ab]",
    "[!a]",
    "[^a]",
    "[a-c]*",
    "**",
    "monitoring",
    "infrastructure",
    "cloud*",
    "__pycache__",
    "*.pyc",
    ".env*",
    "data",
    "README.md",
    "readme.md",
    "\\#h",
    "a\\ b",
    "x^y",
    "*^y",
    "\\[x\\]",
    "é.txt",
    "z",
    "node_modules",
]
DECOR = ["", "", "", "/", "./", "//"]


def make_tree(root: Path, rng: random.Random, max_files: int = 40) -> None:
    root.mkdir(parents=True, exist_ok=True)
    dirs = [root]
    for _ in range(rng.randint(5, max_files)):
        parent = rng.choice(dirs)
        name = rng.choice(NAMES)
        path = parent / name
        if path.exists() or path.is_symlink():
            continue
        roll = rng.random()
        if roll < 0.35 and len(path.relative_to(root).parts) < 4:
            path.mkdir()
            dirs.append(path)
        elif roll < 0.40:
            os.symlink(rng.choice(["a", "../x", "sub", "nowhere"]), path)
        else:
            path.write_text(name)


def make_pattern(rng: random.Random) -> str:
    depth = rng.choice([1, 1, 1, 2, 2, 3])
    parts = [rng.choice(SEGMENTS) for _ in range(depth)]
    if rng.random() < 0.3:
        parts.insert(0, "**")
    text = "/".join(parts)
    if rng.random() < 0.15:
        text = rng.choice(DECOR[1:3]) + text if rng.random() < 0.5 else text + rng.choice(DECOR)
    if rng.random() < 0.1:
        text = text + "/**"
    return text


def _from_tree(paths: list[str], rng: random.Random) -> str:
    """A pattern built from a real path, some segments made wild: these hit often."""
    parts = rng.choice(paths).split("/")
    parts = parts[: rng.randint(1, len(parts))]
    out = []
    for part in parts:
        roll = rng.random()
        if roll < 0.15:
            out.append("*")
        elif roll < 0.25:
            out.append(part[:1] + "*")
        elif roll < 0.3:
            out.append("?" + part[1:])
        elif roll < 0.35:
            out.append("**")
        else:
            out.append(part.replace("[", "\\[").replace("]", "\\]").replace("#", "\\#"))
    text = "/".join(out)
    if rng.random() < 0.2:
        text = "**/" + parts[-1]
    return text


def make_ignore(rng: random.Random, n: int | None = None, root: Path | None = None) -> str:
    paths = []
    if root is not None:
        paths = sorted(p.relative_to(root).as_posix() for p in root.rglob("*"))
    lines: list[str] = []
    if rng.random() < 0.15:
        lines.append(rng.choice(["*", "**", "*/*", "**/*.py"]))
    for _ in range(n if n is not None else rng.randint(1, 8)):
        roll = rng.random()
        if roll < 0.05:
            lines.append("# comment " + make_pattern(rng))
        elif roll < 0.08:
            lines.append("")
        else:
            pattern = _from_tree(paths, rng) if paths and rng.random() < 0.6 else make_pattern(rng)
            if rng.random() < 0.3:
                pattern = "!" + rng.choice(["", "", " "]) + pattern
            if rng.random() < 0.05:
                pattern = "  " + pattern + " "
            lines.append(pattern)
    if rng.random() < 0.03:
        lines.append(rng.choice(["[", "!", "a[", "\\"]))  # Docker refuses these
    if rng.random() < 0.05:
        # Valid for Go's glob check, fails when compiled: the classic walk stops silently.
        lines.insert(rng.randint(0, len(lines)), rng.choice(["![z-a]", "*[z-a]", "!\\q*"]))
    ending = "\r\n" if rng.random() < 0.1 else "\n"
    text = ending.join(lines) + ending
    if rng.random() < 0.05:
        text = "\ufeff" + text
    return text


@dataclass(frozen=True)
class EngineResult:
    """What a real build of one random case put in the image."""

    seed: int
    built: bool
    files: frozenset[str]
    output: str


def make_case(base: Path, seed: int) -> Path:
    """base/case<seed>/ctx: a random tree and .dockerignore; the caller writes the Dockerfile."""
    rng = random.Random(seed)
    case = base / f"case{seed}"
    context = case / "ctx"
    make_tree(context, rng)
    (context / ".dockerignore").write_text(make_ignore(rng, root=context), encoding="utf-8")
    return case


def disagreement(result: EngineResult, case: Path, code: int, ours: frozenset[str], err: str) -> str | None:
    """None when checkdeck (exit `code`, listing `ours`) agrees with the engine, else why not."""
    if result.built == (code == 0) and (not result.built or ours == result.files):
        return None
    ignore = (case / "ctx" / ".dockerignore").read_text()
    return (
        f"seed {result.seed}\n.dockerignore:\n{ignore}\nengine ({'built' if result.built else 'failed'}):\n"
        f"{sorted(result.files) if result.built else result.output}\n"
        f"checkdeck (exit {code}):\n{sorted(ours)}\n{err}\n"
        f"only engine: {sorted(result.files - ours)}\nonly checkdeck: {sorted(ours - result.files)}"
    )
