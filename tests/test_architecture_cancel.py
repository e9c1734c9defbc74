"""Cancelling an architecture check mid-scan stops its worker and the worker's own pool: no
process is left."""

from __future__ import annotations

from pathlib import Path

import anyio
import psutil
import pytest

from tests.helpers import run_specs, write_tree
from validators.engine.model import Status, ValidatorSpec
from validators.engine.runner import Runner

pytestmark = pytest.mark.anyio

BODY = "".join(f"def f{i}(x):\n    if x:\n        return [y for y in range(x)]\n    return {i}\n\n" for i in range(120))


def _pool_started(seen: set[int]) -> bool:
    """A worker of ours with children of its own: the per-file pool is reading files."""
    for child in psutil.Process().children(recursive=True):
        try:
            grandchildren = child.children()
        except psutil.NoSuchProcess:
            continue
        if grandchildren:
            seen.update(p.pid for p in [child, *grandchildren])
            return True
    return False


async def test_cancel_mid_scan_leaves_no_process(tmp_path: Path) -> None:
    files = {"big/__init__.py": ""}
    files.update({f"big/m{i}.py": BODY for i in range(1500)})
    write_tree(tmp_path, files)
    spec = ValidatorSpec("arch", "architecture", {"roots": ["big"], "max_function_lines": 3})
    seen: set[int] = set()

    async def cancel_when_the_pool_runs(runner: Runner) -> None:
        with anyio.fail_after(60):
            while not _pool_started(seen):
                await anyio.sleep(0.02)  # polls a condition; the handshake is the pool's processes
        runner.cancel("arch")

    summary, _ = await run_specs(tmp_path, [spec], during=cancel_when_the_pool_runs)
    assert summary.results[0].status is Status.CANCELLED
    with anyio.fail_after(10):
        while alive := [pid for pid in seen if psutil.pid_exists(pid) and psutil.Process(pid).status() != "zombie"]:
            await anyio.sleep(0.05)
    assert not alive
