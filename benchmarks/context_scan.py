"""`context ls` speed on a generated tree of 100,000 files with a 200-line .dockerignore, as
ratios to a bare os.scandir walk of the same tree and to docker-py's exclude_paths, in one run.

Aims (issue #3): within 2x the bare walk, at least 20x faster than docker-py."""

from __future__ import annotations

import argparse
import os
import random
import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from docker.utils.build import exclude_paths

from validators.docker.build_context import ContextSpec, compute

TOP = ["src", "tests", "docs", "frontend", "scripts", "deploy", "data", "tools", "services", "libs"]
MID = ["core", "api", "util", "models", "views", "monitoring", "infra", "cloud", "jobs", "static", "assets", "io"]
LEAF_EXT = [".py", ".py", ".py", ".txt", ".md", ".json", ".js", ".css", ".pyc", ".log", ".yaml", ".sql"]


def make_tree(root: Path, files: int, rng: random.Random) -> None:
    dirs: list[Path] = []
    for top in TOP:
        for mid in MID:
            for sub in range(8):
                d = root / top / mid / f"pkg{sub}"
                dirs.append(d)
                if sub % 3 == 0:
                    dirs.append(d / "__pycache__")
                if sub % 4 == 0:
                    dirs.append(d / "node_modules" / "lib")
    for d in dirs:
        d.mkdir(parents=True, exist_ok=True)
    for i in range(files):
        d = dirs[i % len(dirs)]
        (d / f"f{i}{rng.choice(LEAF_EXT)}").write_bytes(b"")


def make_ignore(rng: random.Random, n: int = 200) -> str:
    common = [
        ".git",
        ".venv",
        "venv",
        "**/__pycache__",
        "**/*.pyc",
        "**/node_modules",
        "*.log",
        "**/*.log",
        "dist",
        "build",
        "*.egg-info",
        ".pytest_cache",
        ".mypy_cache",
        ".coverage",
        "htmlcov",
        ".tox",
        ".idea",
        ".vscode",
        "**/.DS_Store",
        "docs/_build",
        "tmp",
        "**/*.tmp",
        "**/*.swp",
        "coverage.xml",
        "*.sqlite3",
        ".env",
        ".env.*",
    ]
    lines = list(common)
    while len(lines) < n - 8:
        roll = rng.random()
        top, mid = rng.choice(TOP), rng.choice(MID)
        if roll < 0.35:
            lines.append(f"{top}/{mid}/pkg{rng.randrange(8)}/*{rng.choice(LEAF_EXT)}")
        elif roll < 0.55:
            lines.append(f"{top}/{mid}/pkg{rng.randrange(8)}")
        elif roll < 0.7:
            lines.append(f"**/{mid}/pkg{rng.randrange(8)}/f{rng.randrange(100000)}.*")
        elif roll < 0.85:
            lines.append(f"{top}/**/*.{rng.choice(['bak', 'orig', 'rej', 'db'])}")
        else:
            lines.append(f"/{top}/{mid}/notes-{rng.randrange(1000)}.md")
    lines += [
        "!README.md",
        "!docs/index.md",
        "!src/core/pkg0/keep.py",
        "!deploy/charts",
        "data",
        "!data/schema.sql",
        "docs",
        "!docs/api",
    ]
    return "\n".join(lines) + "\n"


def bare_walk(root: str) -> int:
    count = 0
    stack = [root]
    while stack:
        with os.scandir(stack.pop()) as it:
            for entry in it:
                if entry.is_dir(follow_symlinks=False):
                    stack.append(entry.path)
                else:
                    count += 1
    return count


def best(fn: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--files", type=int, default=100_000)
    parser.add_argument("--lines", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--skip-docker-py", action="store_true", help="docker-py takes minutes on 100k files")
    args = parser.parse_args()
    rng = random.Random(7)
    tmp = Path(tempfile.mkdtemp(prefix="checkdeck-bench-"))
    try:
        root = tmp / "ctx"
        make_tree(root, args.files, rng)
        ignore = make_ignore(rng, args.lines)
        (root / ".dockerignore").write_text(ignore)
        patterns = [line for line in ignore.splitlines() if line]
        spec = ContextSpec(root, root / "Dockerfile", "buildkit")
        bare_walk(str(root))  # warm the page cache for everyone
        t_bare = best(lambda: bare_walk(str(root)), args.repeat)
        t_ours = best(lambda: compute(spec), args.repeat)
        t_classic = best(lambda: compute(ContextSpec(root, root / "Dockerfile", "classic")), args.repeat)
        t_dockerpy = 0.0 if args.skip_docker_py else best(lambda: exclude_paths(str(root), patterns), 1)
        sent = len(compute(spec).paths)
        print(f"tree: {args.files} files, .dockerignore: {len(patterns)} lines, sent: {sent} files")
        print(f"  bare os.scandir walk      : {t_bare * 1000:9.1f} ms")
        print(f"  checkdeck context ls (bk) : {t_ours * 1000:9.1f} ms   ratio to bare walk {t_ours / t_bare:.2f}x")
        print(
            f"  checkdeck context ls (cl) : {t_classic * 1000:9.1f} ms   ratio to bare walk {t_classic / t_bare:.2f}x"
        )
        if t_dockerpy:
            print(
                f"  docker-py exclude_paths   : {t_dockerpy * 1000:9.1f} ms   checkdeck is {t_dockerpy / t_ours:.1f}x faster"
            )
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
