"""Validators run at the same time, under the concurrency limit."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from tests.helpers import command, run_specs
from validators.engine.model import Status

pytestmark = pytest.mark.anyio


async def test_four_sleeping_validators_overlap(tmp_path: Path, marker: str) -> None:
    specs = [command(f"sleep{i}", f"sleep 2 # {marker}") for i in range(4)]
    summary, _ = await run_specs(tmp_path, specs, concurrency=4)
    assert [r.status for r in summary.results] == [Status.PASSED] * 4
    starts = [r.started_at for r in summary.results]
    ends = [r.finished_at for r in summary.results]
    assert all(s is not None for s in starts) and all(e is not None for e in ends)
    latest_start = max(s for s in starts if s is not None)
    earliest_end = min(e for e in ends if e is not None)
    # Every validator had started before any had finished: all four ran at once.
    assert latest_start < earliest_end
    assert all(r.duration_s >= 1.9 for r in summary.results)


async def test_concurrency_limit_serialises(tmp_path: Path, marker: str) -> None:
    specs = [command(f"v{i}", f"sleep 0.3 # {marker}") for i in range(3)]
    summary, _ = await run_specs(tmp_path, specs, concurrency=1)
    spans = sorted((r.started_at, r.finished_at) for r in summary.results)
    for (_, end), (start, _) in itertools.pairwise(spans):
        assert end is not None and start is not None and start >= end
    assert all(r.status is Status.PASSED for r in summary.results)
