"""Property test: `checkdeck context ls --builder classic` lists exactly what a real classic
`docker build` puts in the image with `COPY . /ctx/`, on random trees and .dockerignore files."""

from __future__ import annotations

import os
import re
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.context_fuzz import EngineResult, disagreement, make_case
from tests.docker_engine import classic_build, daemon_version, image_files, remove_image, require_engine
from tui.cli import main as checkdeck

pytestmark = pytest.mark.docker

TREES = int(os.environ.get("CHECKDECK_PROPERTY_TREES", "48"))
SEED = int(os.environ.get("CHECKDECK_PROPERTY_SEED", "20261129"))
INJECTED = re.compile(r"^\.dockerfile\.[0-9a-f]+$")
DOCKERFILE = 'FROM scratch\nCOPY . /ctx/\nCMD ["none"]\n'


def _normalise(paths: set[str]) -> set[str]:
    return {".dockerfile.<injected>" if INJECTED.match(p) else p for p in paths}


def _case(base: Path, seed: int) -> EngineResult:
    case = make_case(base, seed)
    context = case / "ctx"
    dockerfile = case / "Dockerfile"
    dockerfile.write_text(DOCKERFILE.replace("CMD", f"LABEL checkdeck.case={seed}-{uuid.uuid4().hex}\nCMD"))
    tag = f"checkdeck-prop-{uuid.uuid4().hex[:12]}"
    built, output = classic_build(context, dockerfile, tag)
    if not built:
        return EngineResult(seed, False, frozenset(), output)
    try:
        return EngineResult(seed, True, frozenset(_normalise(image_files(tag, "/ctx"))), output)
    finally:
        remove_image(tag)


def test_context_ls_agrees_with_a_real_classic_build(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    require_engine()
    legacy = daemon_version().startswith(("1", "20."))
    seeds = [SEED + i for i in range(TREES)]
    with ThreadPoolExecutor(max_workers=3) as pool:
        results = list(pool.map(lambda s: _case(tmp_path, s), seeds))
    assert sum(r.built for r in results) >= TREES // 2, "most random contexts should build"
    disagreements = []
    for result in results:
        case = tmp_path / f"case{result.seed}"
        capsys.readouterr()
        code = checkdeck(
            [
                "context",
                "ls",
                str(case / "ctx"),
                "-f",
                str(case / "Dockerfile"),
                "--builder",
                "classic",
                "--daemon",
                "legacy" if legacy else "current",
            ]
        )
        out = capsys.readouterr()
        ours = frozenset(_normalise(set(out.out.splitlines())))
        found = disagreement(result, case, code, ours, out.err)
        if found is not None:
            disagreements.append(found)
    assert not disagreements, f"{len(disagreements)} of {len(results)} disagree:\n\n" + "\n\n".join(disagreements[:3])
