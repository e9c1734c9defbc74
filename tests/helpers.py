"""Shared test helpers: run validators in-process and collect their events; find leaked PIDs."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import anyio

from validators.engine.model import Event, RunSummary, ValidatorSpec
from validators.engine.registry import create
from validators.engine.runner import Factory, Runner
from validators.process.tree import TOKEN_VAR


def command(name: str, run: str, **extra: object) -> ValidatorSpec:
    timeout = extra.pop("timeout_s", None)
    assert timeout is None or isinstance(timeout, (int, float))
    return ValidatorSpec(name, "command", {"run": run, **extra}, timeout_s=timeout)


async def collect(runner: Runner, events: list[Event]) -> None:
    async with runner.subscribe(buffer=10_000) as stream:
        async for event in stream:
            events.append(event)


async def run_specs(
    project: Path,
    specs: list[ValidatorSpec],
    *,
    factory: Factory = create,
    during: Callable[[Runner], Awaitable[None]] | None = None,
    **runner_options: object,
) -> tuple[RunSummary, list[Event]]:
    """Run to idle; `during` runs alongside (to cancel or rerun) and must return by itself."""
    events: list[Event] = []
    async with anyio.create_task_group() as tg:
        async with Runner(specs, project_dir=project, factory=factory, **runner_options) as runner:  # type: ignore[arg-type]
            tg.start_soon(collect, runner, events)
            runner.start()
            if during is not None:
                await during(runner)
            await runner.wait_idle()
            summary = runner.summary()
    return summary, events


def write_tree(root: Path, files: dict[str, str]) -> Path:
    """Write a small project: relative path -> text."""
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def processes_with(marker: str) -> list[int]:
    """PIDs (not zombies) whose command line or environment contains marker."""
    found = []
    for name in os.listdir("/proc"):
        if not name.isdigit() or int(name) == os.getpid():
            continue
        try:
            stat = Path(f"/proc/{name}/stat").read_bytes()
            if stat[stat.rfind(b")") + 2 : stat.rfind(b")") + 3] in (b"Z", b"X"):
                continue
            blob = Path(f"/proc/{name}/cmdline").read_bytes() + Path(f"/proc/{name}/environ").read_bytes()
        except OSError:
            continue
        if marker.encode() in blob:
            found.append(int(name))
    return found


def none_left_within(marker: str, seconds: float) -> list[int]:
    """The processes carrying marker that are still there after `seconds`: [] as soon as none is.
    A kill is delivered asynchronously, so a check right after one would race it."""
    deadline = time.monotonic() + seconds
    while (left := processes_with(marker)) and time.monotonic() < deadline:
        time.sleep(0.05)
    return left


def pid_alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_bytes()
    except OSError:
        return False
    return stat[stat.rfind(b")") + 2 : stat.rfind(b")") + 3] not in (b"Z", b"X")


__all__ = ["TOKEN_VAR", "collect", "command", "pid_alive", "processes_with", "run_specs", "write_tree"]


ROOT = Path(__file__).resolve().parent.parent


def start_run(cwd: Path) -> subprocess.Popen[str]:
    """`checkdeck run` in `cwd` as a real process, its output on pipes as text."""
    return subprocess.Popen(
        [sys.executable, "-m", "tui", "run"],
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
