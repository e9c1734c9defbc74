"""Run validators concurrently under a limit and a timeout each; cancel, rerun, stream events."""

from __future__ import annotations

import contextlib
import os
import time
import traceback
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType

import anyio
from anyio.abc import TaskGroup
from anyio.streams.memory import MemoryObjectReceiveStream

from validators.engine.base import Outcome, Validator
from validators.engine.broadcast import Broadcast
from validators.engine.durations import format_duration
from validators.engine.log_file import LogFile
from validators.engine.model import (
    Event,
    Finding,
    RunFinished,
    RunSummary,
    Status,
    StatusChanged,
    ValidatorResult,
    ValidatorSpec,
)
from validators.engine.needs import Lease, ServiceHost
from validators.engine.redact import redact, secret_values
from validators.engine.run_context import RunContext
from validators.engine.store import log_name, log_stems, new_run_dir
from validators.process.tree import sweep_orphans

Factory = Callable[[ValidatorSpec, Path], Validator]

DEFAULT_TIMEOUT_S = 600.0


def default_concurrency() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 2)


@dataclass
class _Execution:
    attempt: int
    scope: anyio.CancelScope = field(default_factory=anyio.CancelScope)
    done: anyio.Event = field(default_factory=anyio.Event)


class Runner:
    """Use as `async with Runner(...) as runner:`; the runner lives as long as the block, so a
    UI can keep starting reruns while earlier ones are still going."""

    def __init__(
        self,
        specs: Sequence[ValidatorSpec],
        *,
        project_dir: Path,
        factory: Factory,
        run_dir: Path | None = None,
        concurrency: int | None = None,
        default_timeout_s: float | None = DEFAULT_TIMEOUT_S,
        term_grace_s: float = 2.0,
        clock: Callable[[], float] = time.monotonic,
        services: ServiceHost | None = None,
    ) -> None:
        names = [s.name for s in specs]
        if len(set(names)) != len(names):
            raise ValueError("validator names must be unique")
        self.specs = {s.name: s for s in specs}
        self._log_stems = log_stems(self.specs)
        self.project_dir = project_dir
        self.run_dir = run_dir or new_run_dir(project_dir)
        self.concurrency = concurrency or default_concurrency()
        self.default_timeout_s = default_timeout_s
        self.term_grace_s = term_grace_s
        self._factory = factory
        self._limiter = anyio.CapacityLimiter(self.concurrency)
        self._events: Broadcast[Event] = Broadcast()
        self._tg: TaskGroup | None = None
        self._executions: dict[str, _Execution] = {}
        self._attempts: dict[str, int] = {}
        self._active = 0
        self._idle = anyio.Event()
        self._idle.set()
        self.started_at = datetime.now(UTC)
        self._clock = clock
        self._services = services
        missing = {n for s in specs for n in s.needs} if services is None else set()
        if missing:
            raise ValueError(f"validators need services but the runner has none: {', '.join(sorted(missing))}")
        self.secrets = {s.name: secret_values(s) for s in specs}
        self.targets = {s.name: self._target(s) for s in specs}
        self.results: dict[str, ValidatorResult] = {
            s.name: ValidatorResult(s.name, s.kind, Status.PENDING, 0.0, "", target=self.targets[s.name]) for s in specs
        }

    # Lifetime

    async def __aenter__(self) -> Runner:
        self._files = ThreadPoolExecutor(max_workers=1, thread_name_prefix="checkdeck-logs")
        self._tg = await anyio.create_task_group().__aenter__()
        if self._services is not None:
            await self._services.open(self._tg, self._events.publish, self.run_dir)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> bool | None:
        assert self._tg is not None
        if exc is not None:
            self.cancel_all()
        try:
            if self._services is not None:
                # Every validator has settled (the block waited) or is being cancelled; the
                # services go before the task group closes, each with its whole tree.
                if exc is None:
                    await self.wait_idle()
                with anyio.CancelScope(shield=True):
                    await self._services.close()
            return await self._tg.__aexit__(exc_type, exc, tb)
        finally:
            # Orphans no single command could claim (several ran when they started) end here.
            sweep_orphans()
            self._files.shutdown(wait=True)
            self._events.close()

    def subscribe(self, buffer: int = 64) -> MemoryObjectReceiveStream[Event]:
        return self._events.subscribe(buffer)

    # Control

    def start(self, names: Iterable[str] | None = None) -> None:
        """(Re)run these validators; one that is still running is cancelled and started again."""
        assert self._tg is not None, "use the runner inside `async with`"
        for name in list(self.specs) if names is None else list(names):
            spec = self.specs[name]
            previous = self._executions.get(name)
            if previous is not None:
                previous.scope.cancel()
            attempt = self._attempts.get(name, 0) + 1
            self._attempts[name] = attempt
            execution = _Execution(attempt)
            self._executions[name] = execution
            self._active += 1
            self._idle = anyio.Event() if self._idle.is_set() else self._idle
            self._tg.start_soon(self._execute, spec, execution, previous)

    def cancel(self, name: str) -> None:
        execution = self._executions.get(name)
        if execution is not None:
            execution.scope.cancel()

    def cancel_all(self) -> None:
        for execution in self._executions.values():
            execution.scope.cancel()

    def dependants(self, service: str) -> list[str]:
        return [name for name, spec in self.specs.items() if service in spec.needs]

    def restart_service(self, service: str) -> list[str]:
        """A fresh process for this service, and its dependants run again against it."""
        names = self.dependants(service)
        if self._services is not None and names:
            self._services.renew(service)
            self.start(names)
        return names

    def log_path(self, name: str, attempt: int) -> Path:
        """Where this attempt's full log is written: one file per validator and attempt."""
        return self.run_dir / log_name(self._log_stems[name], attempt)

    def is_running(self, name: str) -> bool:
        execution = self._executions.get(name)
        return execution is not None and not execution.done.is_set()

    async def wait_idle(self) -> None:
        while not self._idle.is_set():
            await self._idle.wait()

    async def run_all(self, names: Iterable[str] | None = None) -> RunSummary:
        """Start these validators, wait for everything to settle, publish RunFinished.

        Validators left out and never run end as skipped, so reports list every validator."""
        chosen = set(self.specs) if names is None else set(names)
        for name, result in self.results.items():
            if name not in chosen and result.status is Status.PENDING:
                self.results[name] = ValidatorResult(
                    name, result.kind, Status.SKIPPED, 0.0, "not selected", target=result.target
                )
        self.start([name for name in self.specs if name in chosen])
        await self.wait_idle()
        summary = self.summary()
        await self._events.publish(RunFinished(summary))
        return summary

    def summary(self) -> RunSummary:
        results = tuple(self.results[name] for name in self.specs)
        return RunSummary(
            status=overall_status(r.status for r in results),
            started_at=self.started_at,
            duration_s=run_duration(results),
            project_dir=self.project_dir,
            run_dir=self.run_dir,
            results=results,
        )

    # One execution

    async def _execute(self, spec: ValidatorSpec, execution: _Execution, previous: _Execution | None) -> None:
        attempt = execution.attempt
        log_path = self.log_path(spec.name, attempt)
        started: datetime | None = None
        t0 = self._clock()
        outcome = Outcome(Status.CANCELLED, "cancelled before it started")
        ctx: RunContext | None = None
        log_problem: str | None = None
        # Creating a file costs from 0.03 to 0.5 ms on real disks; a helper thread makes the log
        # while the validator waits for its slot, so the loop never waits for the disk.
        prepared = self._files.submit(LogFile, log_path)
        holder = f"{spec.name}#{attempt}"
        lease: Lease | None = None
        try:
            with execution.scope:
                if previous is not None:
                    await previous.done.wait()
                if spec.needs and self._services is not None:
                    await self._set_status(spec, attempt, Status.PENDING, f"waiting for {', '.join(spec.needs)}")
                    # Outside the slot: a service that takes a while to be ready holds no slot.
                    lease = await self._services.acquire(holder, spec.needs)
                await self._set_status(spec, attempt, Status.PENDING, "waiting for a slot")
                async with self._limiter:
                    # Shown running only once its log exists: a cancel that lands while
                    # "running" goes out still leaves the log and its last line.
                    with prepared.result() as log_file:
                        ctx = RunContext(
                            name=spec.name,
                            attempt=attempt,
                            project_dir=self.project_dir,
                            log_path=log_path,
                            log_file=log_file,
                            publish=self._events.publish,
                            term_grace_s=self.term_grace_s,
                            secrets=self.secrets[spec.name],
                            peers=tuple(s for s in self.specs.values() if s.name != spec.name),
                        )
                        started = datetime.now(UTC)
                        t0 = self._clock()
                        await self._set_status(spec, attempt, Status.RUNNING, "")
                        outcome = await self._run_validator(spec, ctx, lease)
                        with anyio.CancelScope(shield=True):
                            await ctx.log(f"[checkdeck] {outcome.status.value}: {outcome.summary}")
                            await ctx.flush()
                    log_problem = log_file.problem()
            if execution.scope.cancelled_caught:
                outcome = Outcome(Status.CANCELLED, "cancelled")
                if ctx is not None:
                    with LogFile(log_path, append=True) as log_file:
                        log_file.write(b"[checkdeck] cancelled\n")
                    log_problem = log_problem or log_file.problem()
        finally:
            if spec.needs and self._services is not None:
                self._services.release(holder)
            if ctx is None:
                prepared.add_done_callback(_discard_log)
            with anyio.CancelScope(shield=True):
                finished = datetime.now(UTC)
                result = ValidatorResult(
                    name=spec.name,
                    kind=spec.kind,
                    status=outcome.status,
                    duration_s=self._clock() - t0 if started else 0.0,
                    summary=redact(
                        f"{outcome.summary}; {log_problem}" if log_problem else outcome.summary, self.secrets[spec.name]
                    ),
                    findings=ctx.findings if ctx else (),
                    checks=ctx.checks if ctx else (),
                    exit_code=outcome.exit_code,
                    log_path=log_path if ctx else None,
                    started_at=started,
                    finished_at=finished,
                    attempt=attempt,
                    target=self.targets[spec.name],
                    details=tuple((k, redact(v, self.secrets[spec.name])) for k, v in outcome.details),
                )
                # A newer attempt owns the slot in `results` once it has started.
                if self._executions.get(spec.name) is execution:
                    self.results[spec.name] = result
                    del self._executions[spec.name]
                # Done before the final event goes out: whoever receives it, in any thread,
                # finds `is_running` already false.
                execution.done.set()
                await self._events.publish(
                    StatusChanged(spec.name, attempt, result.status, finished, result.summary, result)
                )
                self._active -= 1
                if self._active == 0:
                    self._idle.set()

    async def _run_validator(self, spec: ValidatorSpec, ctx: RunContext, lease: Lease | None) -> Outcome:
        timeout = spec.timeout_s if spec.timeout_s is not None else self.default_timeout_s
        done = anyio.Event()
        if lease is not None and lease.problem is not None:
            await ctx.report(lease.problem)
            await ctx.log(f"[checkdeck] {lease.problem.message}")
            first = lease.problem.message.splitlines()[0]
            return Outcome(Status.ERROR, f"not run: {first}")
        lost = anyio.CancelScope()
        watching = anyio.CancelScope()

        async def watch_services() -> None:
            assert lease is not None
            with watching:
                await lease.lost.wait()
                lost.cancel()

        async def flusher() -> None:
            # Stopped by an event, not cancelled: a cancel in the middle of publishing a batch
            # would lose it.
            await ctx.flush_periodically(done)

        try:
            async with anyio.create_task_group() as tg:
                tg.start_soon(flusher)
                if lease is not None:
                    tg.start_soon(watch_services)
                try:
                    validator = self._factory(spec, self.project_dir)
                    await ctx.log(f"[checkdeck] {spec.name} ({spec.kind}): {validator.describe()}")
                    outcome = Outcome(Status.FAILED, "")
                    with lost, anyio.move_on_after(timeout) as deadline:
                        outcome = await validator.run(ctx)
                    if lost.cancelled_caught:
                        assert lease is not None
                        crash: Finding = lease.lost_finding()
                        await ctx.report(crash)
                        outcome = Outcome(Status.FAILED, crash.message.splitlines()[0])
                    elif deadline.cancelled_caught:
                        assert timeout is not None
                        outcome = Outcome(Status.FAILED, f"timed out after {format_duration(timeout)}")
                finally:
                    watching.cancel()
                    done.set()
        except Exception as exc:
            trace = "".join(traceback.format_exception(exc))
            with anyio.CancelScope(shield=True):
                await ctx.log(f"[checkdeck] the validator crashed:\n{trace}")
            root: BaseException = exc
            while isinstance(root, BaseExceptionGroup) and root.exceptions:
                root = root.exceptions[0]
            last = str(root).strip().splitlines()
            return Outcome(Status.ERROR, f"{type(root).__name__}: {last[-1] if last else ''}".strip(": "))
        return outcome

    def _target(self, spec: ValidatorSpec) -> str:
        try:
            return redact(self._factory(spec, self.project_dir).target(), self.secrets[spec.name])
        except Exception:  # a validator that cannot even say what it checks fails when it runs
            return ""

    async def _set_status(self, spec: ValidatorSpec, attempt: int, status: Status, summary: str) -> None:
        self.results[spec.name] = ValidatorResult(
            spec.name, spec.kind, status, 0.0, summary, attempt=attempt, target=self.targets[spec.name]
        )
        await self._events.publish(StatusChanged(spec.name, attempt, status, datetime.now(UTC), summary))


def _discard_log(prepared: Future[LogFile]) -> None:
    """The validator never started: no log of it stays behind."""
    if prepared.exception() is None:
        log_file = prepared.result()
        log_file.close()
        with contextlib.suppress(OSError):
            log_file.path.unlink()


def run_duration(results: Iterable[ValidatorResult]) -> float:
    """Wall time from the first validator's start to the last one's end: the run, not the
    time the app has been open."""
    spans = [(r.started_at, r.finished_at) for r in results if r.started_at and r.finished_at]
    if not spans:
        return 0.0
    return (max(end for _, end in spans) - min(start for start, _ in spans)).total_seconds()


def overall_status(statuses: Iterable[Status]) -> Status:
    seen = set(statuses)
    for status in (Status.ERROR, Status.FAILED, Status.RUNNING, Status.PENDING, Status.CANCELLED):
        if status in seen:
            return status
    if seen and seen <= {Status.SKIPPED}:
        return Status.SKIPPED
    return Status.PASSED
