"""`checkdeck list` startup on a project with only `command` validators: wall time, modules
imported, and which heavy dependencies load, for this tree and (with --baseline REV) an earlier
commit checked out beside it, measured in the same run.

    python benchmarks/startup_imports.py [--baseline REV] [--runs N]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HEAVY = ("docker", "grimp", "websockets", "textual", "pathspec", "watchfiles", "psutil", "re2", "jsonschema")
PROBE = "import sys; from tui.cli import main; sys.exit(main(['list', sys.argv[1]]))"


def make_project(folder: Path) -> Path:
    project = folder / "project"
    project.mkdir()
    (project / "checkdeck.toml").write_text(
        '[[validators]]\nname = "unit"\nkind = "command"\nrun = "true"\n', encoding="utf-8"
    )
    return project


def measure(tree: Path, project: Path, runs: int) -> tuple[float, int, list[str]]:
    env = {**os.environ, "PYTHONPATH": str(tree), "PYTHONDONTWRITEBYTECODE": "1"}
    # Warm the bytecode cache once so both trees are timed the same way.
    subprocess.run([sys.executable, "-c", PROBE, str(project)], env=env, cwd=tree, capture_output=True, check=True)
    walls: list[float] = []
    for _ in range(runs):
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-c", PROBE, str(project)], env=env, cwd=tree, capture_output=True, check=True)
        walls.append(time.perf_counter() - t0)
    traced = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", PROBE, str(project)],
        env=env,
        cwd=tree,
        capture_output=True,
        text=True,
        check=True,
    )
    modules = [
        line.rsplit("|", 1)[-1].strip() for line in traced.stderr.splitlines() if line.startswith("import time:")
    ]
    modules = [m for m in modules if m and m != "package"]
    heavy = sorted({m.split(".")[0] for m in modules if m.split(".")[0] in HEAVY})
    return statistics.median(walls), len(modules), heavy


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--baseline", metavar="REV", help="also measure this commit, checked out beside the tree")
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="checkdeck-startup-") as tmp:
        project = make_project(Path(tmp))
        rows: list[tuple[str, float, int, list[str]]] = []
        if args.baseline:
            old = Path(tmp) / "baseline"
            subprocess.run(
                ["git", "-C", str(ROOT), "worktree", "add", "--detach", str(old), args.baseline],
                check=True,
                capture_output=True,
            )
            try:
                rows.append((f"baseline {args.baseline}", *measure(old, project, args.runs)))
            finally:
                subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(old)], check=False)
        rows.append(("this tree", *measure(ROOT, project, args.runs)))
    print(f"`checkdeck list` on a command-only project, median of {args.runs} runs")
    for label, wall, count, heavy in rows:
        print(f"  {label:<22} {wall * 1000:7.1f} ms  {count:4d} modules  heavy: {', '.join(heavy) or 'none'}")
    if len(rows) == 2:
        (_, w0, c0, _), (_, w1, c1, _) = rows
        print(f"  ratio this/baseline: time {w1 / w0:.2f}x, modules {c1 / c0:.2f}x")


if __name__ == "__main__":
    main()
