"""The build-context check on a real monorepo's shape (../shared/realworld/monorepo: 46k files, a
202-line .dockerignore, 7 Dockerfiles), rebuilt with empty files.

Prints, against a bare `os.scandir` walk of the same tree in the same process:
- `context ls` (BuildKit and classic rules): aim within 3x the bare walk;
- every detected `dockerignore` validator run by the runner as `checkdeck run` does, cold (no
  caches) and warm (a second run, nothing changed): aims under 3 s cold, under 1 s warm."""

from __future__ import annotations

import argparse
import gzip
import os
import shutil
import tarfile
import tempfile
import time
from pathlib import Path

import anyio
from context_scan import bare_walk, best  # this folder is on sys.path when a benchmark runs

from validators.config.detect import detect
from validators.docker.build_context import ContextSpec, compute
from validators.docker.build_sources import MAX_DEPTH, find_builds
from validators.engine import registry
from validators.engine.model import RunSummary, ValidatorSpec
from validators.engine.runner import Runner

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "realworld" / "monorepo"


def build_tree(root: Path, shared: Path) -> int:
    with gzip.open(shared / "paths.txt.gz", "rt", encoding="utf-8", errors="surrogateescape") as listing:
        paths = [line.rstrip("\n") for line in listing if line.strip()]
    made: set[str] = set()
    for rel in paths:
        parent = os.path.dirname(rel)
        if parent and parent not in made:
            os.makedirs(root / parent, exist_ok=True)
            made.add(parent)
        (root / rel).touch()
    shutil.copy(shared / "dockerignore", root / ".dockerignore")
    with tarfile.open(shared / "dockerfiles.tar.gz") as tar:
        tar.extractall(root, filter="data")
    return len(paths)


async def run_validators(root: Path, specs: list[ValidatorSpec]) -> tuple[float, RunSummary]:
    start = time.perf_counter()
    async with Runner(specs, project_dir=root, factory=registry.create) as runner:
        runner.start()
        await runner.wait_idle()
        summary = runner.summary()
    return time.perf_counter() - start, summary


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--shared", type=Path, default=SHARED, help="the realworld/monorepo folder")
    parser.add_argument("--engine", default="20.10", help="engine version whose rules apply (default: 20.10)")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="checkdeck-monorepo-"))
    try:
        files = build_tree(tmp, args.shared)
        bare = best(lambda: bare_walk(str(tmp)), 5)
        print(f"tree: {files} files; bare os.scandir walk {bare * 1000:.1f} ms")
        for builder in ("buildkit", "classic"):
            t = best(lambda b=builder: compute(ContextSpec(tmp, builder=b, daemon="legacy", buildkit="v0.8")), 5)  # type: ignore[misc]
            t_cur = best(lambda b=builder: compute(ContextSpec(tmp, builder=b)), 5)  # type: ignore[misc]
            print(
                f"  context ls ({builder:8}) : 20.10 rules {t * 1000:6.1f} ms = {t / bare:4.2f}x, "
                f"current rules {t_cur * 1000:6.1f} ms = {t_cur / bare:4.2f}x the bare walk"
            )
        t_sources = best(lambda: find_builds(tmp), 5)
        builds = find_builds(tmp).builds
        print(
            f"  build sources (compose, workflows, Dockerfiles {MAX_DEPTH} deep): {len(builds)} builds in "
            f"{t_sources * 1000:.1f} ms = {t_sources / bare:4.2f}x the bare walk"
        )
        specs = [
            expanded
            for spec in detect(tmp)
            if spec.kind == "dockerignore"
            for expanded in registry.expand(
                ValidatorSpec(spec.name, spec.kind, {**spec.options, "engine": args.engine}), tmp
            )
        ]
        print(f"  {len(specs)} dockerignore validators (one per Dockerfile)")
        for label in ("cold", "warm"):
            elapsed, summary = anyio.run(run_validators, tmp, specs)
            slowest = max(summary.results, key=lambda r: r.duration_s)
            statuses = sorted({r.status.value for r in summary.results})
            print(
                f"  {label}: all validators {elapsed:5.2f} s = {elapsed / bare:5.1f}x the bare walk; "
                f"slowest {slowest.duration_s:.2f} s ({slowest.name}); statuses {', '.join(statuses)}"
            )
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
