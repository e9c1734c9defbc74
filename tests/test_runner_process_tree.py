"""Timeouts, cancels and normal exits leave no process behind, grandchildren included."""

from __future__ import annotations

from pathlib import Path

import anyio
import pytest

from tests.helpers import command, pid_alive, run_specs
from validators.engine.model import Status
from validators.engine.runner import Runner

pytestmark = pytest.mark.anyio

# Children in the group, a grandchild in a subshell, and a daemon that left the group with
# setsid: each writes its PID so the test can look for it afterwards.
SPAWN = (
    "sleep 300 & echo $! >> pids; "
    "( sleep 300 & echo $! >> pids; wait ) & "
    "setsid sh -c 'echo $$ >> pids; exec sleep 300' & "
    "sleep 0.3; "
)


async def _pids(folder: Path, expected: int) -> list[int]:
    path = folder / "pids"
    for _ in range(100):
        if path.exists() and len(path.read_text().split()) >= expected:
            break
        await anyio.sleep(0.05)
    return [int(x) for x in path.read_text().split()]


async def test_timeout_kills_the_whole_tree(tmp_path: Path, marker: str) -> None:
    spec = command("hangs", SPAWN + "sleep 300", timeout_s=1.0, env={"M": marker})
    summary, _ = await run_specs(tmp_path, [spec], term_grace_s=0.5)
    [result] = summary.results
    assert result.status is Status.FAILED
    assert "timed out after 1.0s" in result.summary
    pids = await _pids(tmp_path, 3)
    assert len(pids) == 3
    assert [pid for pid in pids if pid_alive(pid)] == []


async def test_leftover_background_processes_are_ended_after_a_normal_exit(tmp_path: Path, marker: str) -> None:
    spec = command("leaves", SPAWN + "echo done", env={"M": marker})
    summary, _ = await run_specs(tmp_path, [spec], term_grace_s=0.5)
    [result] = summary.results
    assert result.status is Status.PASSED
    pids = await _pids(tmp_path, 3)
    assert [pid for pid in pids if pid_alive(pid)] == []
    assert result.log_path is not None
    # sleep, the subshell, its sleep, and the setsid daemon
    assert "left 4 process(es) running" in result.log_path.read_text()


async def test_term_is_escalated_to_kill(tmp_path: Path, marker: str) -> None:
    # The child ignores TERM; only KILL after the grace period ends it.
    spec = command("stubborn", "trap '' TERM; sleep 300 & echo $! >> pids; wait", env={"M": marker})

    async def cancel_soon(runner: Runner) -> None:
        await _pids(tmp_path, 1)
        runner.cancel("stubborn")

    summary, _ = await run_specs(tmp_path, [spec], during=cancel_soon, term_grace_s=0.3)
    assert summary.results[0].status is Status.CANCELLED
    assert not any(pid_alive(pid) for pid in await _pids(tmp_path, 1))
