"""Property test: `checkdeck context ls` (BuildKit rules, the generation picked from the engine's
version) lists exactly what a real BuildKit build puts under `COPY . /ctx/`, on random trees and
.dockerignore files. CI's engine is Docker 20.10, whose BuildKit (v0.8) differs from current
BuildKit on about one stress tree in five."""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.context_fuzz import EngineResult, disagreement, make_case
from tests.docker_engine import buildkit_files, buildkit_problem, daemon_version, require_engine
from tui.cli import main as checkdeck

pytestmark = pytest.mark.docker

TREES = int(os.environ.get("CHECKDECK_BUILDKIT_TREES", "36"))
SEED = int(os.environ.get("CHECKDECK_PROPERTY_SEED", "20261129")) + 100_000


def _case(base: Path, seed: int) -> EngineResult:
    case = make_case(base, seed)
    context = case / "ctx"
    dockerfile = case / "Dockerfile"
    dockerfile.write_text("FROM scratch\nCOPY . /ctx/\n")
    built, files, output = buildkit_files(context, dockerfile, case / "out.tar", "/ctx")
    return EngineResult(seed, built, frozenset(files), output)


def test_context_ls_agrees_with_a_real_buildkit_build(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    require_engine()
    problem = buildkit_problem()
    if problem is not None:
        if os.environ.get("CI"):
            pytest.fail(f"CI needs a BuildKit client for this test: {problem}")
        pytest.skip(problem)
    seeds = [SEED + i for i in range(TREES)]
    with ThreadPoolExecutor(max_workers=3) as pool:
        results = list(pool.map(lambda s: _case(tmp_path, s), seeds))
    assert sum(r.built for r in results) >= TREES // 2, "most random contexts should build"
    disagreements = []
    rules = set()
    engine = daemon_version()
    for n, result in enumerate(results):
        case = tmp_path / f"case{result.seed}"
        capsys.readouterr()
        # The first case asks the engine which rules apply; the others name its version.
        pick = [] if n == 0 else ["--engine", engine]
        code = checkdeck(["context", "ls", str(case / "ctx"), "-f", str(case / "Dockerfile"), *pick])
        out = capsys.readouterr()
        rules.add(out.err.splitlines()[0].split(" (")[0])
        found = disagreement(result, case, code, frozenset(out.out.splitlines()), out.err)
        if found is not None:
            disagreements.append(found)
    # Asking the engine and naming its version chose the same rules.
    assert len(rules) == 1, rules
    assert not disagreements, f"{len(disagreements)} of {len(results)} disagree:\n\n" + "\n\n".join(disagreements[:3])
