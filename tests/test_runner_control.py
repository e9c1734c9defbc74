"""Cancel one or all, rerun while others run, and a crashing validator does not stop the others."""

from __future__ import annotations

from pathlib import Path

import anyio
import pytest

from tests.helpers import command, run_specs
from validators.engine.base import Outcome, Validator
from validators.engine.model import Status, StatusChanged, ValidatorSpec
from validators.engine.registry import create
from validators.engine.run_context import RunContext
from validators.engine.runner import Runner

pytestmark = pytest.mark.anyio


async def _wait_running(runner: Runner, name: str) -> None:
    while runner.results[name].status is not Status.RUNNING:
        await anyio.sleep(0.01)


async def test_cancel_one_mid_run_leaves_the_others(tmp_path: Path, marker: str) -> None:
    specs = [command("long", f"sleep 30 # {marker}"), command("short", f"sleep 0.5 # {marker}")]

    async def cancel_long(runner: Runner) -> None:
        await _wait_running(runner, "long")
        runner.cancel("long")

    summary, _ = await run_specs(tmp_path, specs, during=cancel_long)
    by_name = {r.name: r for r in summary.results}
    assert by_name["long"].status is Status.CANCELLED
    assert by_name["long"].duration_s < 10
    assert by_name["short"].status is Status.PASSED
    assert by_name["long"].log_path is not None
    assert "[checkdeck] cancelled" in by_name["long"].log_path.read_text()


async def test_cancel_all(tmp_path: Path, marker: str) -> None:
    specs = [command(f"v{i}", f"sleep 30 # {marker}") for i in range(3)]

    async def cancel_all(runner: Runner) -> None:
        for spec in specs:
            await _wait_running(runner, spec.name)
        runner.cancel_all()

    summary, _ = await run_specs(tmp_path, specs, during=cancel_all, concurrency=3)
    assert [r.status for r in summary.results] == [Status.CANCELLED] * 3
    assert summary.status is Status.CANCELLED


async def test_pending_validator_can_be_cancelled_before_it_starts(tmp_path: Path, marker: str) -> None:
    specs = [command("first", f"sleep 1 # {marker}"), command("queued", f"echo never # {marker}")]

    async def cancel_queued(runner: Runner) -> None:
        await _wait_running(runner, "first")
        runner.cancel("queued")

    summary, _ = await run_specs(tmp_path, specs, during=cancel_queued, concurrency=1)
    by_name = {r.name: r for r in summary.results}
    assert by_name["queued"].status is Status.CANCELLED
    assert by_name["queued"].log_path is None
    assert by_name["first"].status is Status.PASSED


async def test_rerun_one_validator_while_another_runs(tmp_path: Path, marker: str) -> None:
    counter = tmp_path / "count"
    specs = [
        command("steady", f"sleep 1.5 # {marker}"),
        command("flaky", f"echo x >> {counter}; test $(wc -l < {counter}) -ge 2"),
    ]

    async def rerun_flaky(runner: Runner) -> None:
        while runner.results["flaky"].status is not Status.FAILED:
            await anyio.sleep(0.01)
        assert runner.is_running("steady")
        runner.start(["flaky"])

    summary, events = await run_specs(tmp_path, specs, during=rerun_flaky)
    by_name = {r.name: r for r in summary.results}
    assert by_name["flaky"].status is Status.PASSED
    assert by_name["flaky"].attempt == 2
    assert by_name["steady"].status is Status.PASSED
    assert by_name["steady"].attempt == 1
    flaky_finals = [
        (e.attempt, e.status) for e in events if isinstance(e, StatusChanged) and e.name == "flaky" and e.result
    ]
    assert flaky_finals == [(1, Status.FAILED), (2, Status.PASSED)]
    # The rerun finished while the other validator was still running.
    assert by_name["flaky"].finished_at is not None and by_name["steady"].finished_at is not None
    assert by_name["flaky"].finished_at < by_name["steady"].finished_at
    assert by_name["flaky"].log_path is not None and by_name["flaky"].log_path.name == "flaky.2.log"


async def test_rerun_of_a_running_validator_restarts_it(tmp_path: Path, marker: str) -> None:
    specs = [command("slow", f"sleep 30 # {marker}", timeout_s=60)]
    restarted = False

    async def restart(runner: Runner) -> None:
        nonlocal restarted
        await _wait_running(runner, "slow")
        runner.specs["slow"] = command("slow", "echo quick")
        runner.start(["slow"])
        restarted = True

    summary, events = await run_specs(tmp_path, specs, during=restart)
    assert restarted
    finals = [(e.attempt, e.status) for e in events if isinstance(e, StatusChanged) and e.result]
    assert finals == [(1, Status.CANCELLED), (2, Status.PASSED)]
    assert summary.results[0].status is Status.PASSED


class Exploding(Validator):
    kind = "exploding"
    description = "raises"

    async def run(self, ctx: RunContext) -> Outcome:
        await ctx.log("about to fail")
        raise RuntimeError("boom: the validator is broken")


def factory(spec: ValidatorSpec, project_dir: Path) -> Validator:
    if spec.kind == "exploding":
        return Exploding(spec, project_dir)
    return create(spec, project_dir)


async def test_a_crashing_validator_ends_as_error_and_the_others_go_on(tmp_path: Path, marker: str) -> None:
    specs = [
        ValidatorSpec("broken", "exploding"),
        command("fine", f"sleep 0.5; echo ok # {marker}"),
    ]
    summary, _ = await run_specs(tmp_path, specs, factory=factory)
    by_name = {r.name: r for r in summary.results}
    assert by_name["broken"].status is Status.ERROR
    assert "RuntimeError: boom" in by_name["broken"].summary
    log = by_name["broken"].log_path
    assert log is not None
    text = log.read_text()
    assert "Traceback (most recent call last)" in text and "boom: the validator is broken" in text
    assert by_name["fine"].status is Status.PASSED
    assert summary.status is Status.ERROR
